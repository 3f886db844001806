// Operator tables: the decode step of one (model, hardware, workload) with everything that does
// not depend on the context resolved once, so that the step is predicted at many contexts for
// tens of nanoseconds each (a sweep's decode step at prompt + gen / 2 over a grid of lengths).
//
// It is the forward model of latency.h restructured, not a second one: the ops are CountOps's,
// each op's time is PredictOpTime_s's and the times are summed in op order by AddOpTime and
// AddToBreakdown, exactly as PredictStepTime_s and AnalyseStep do. What is hoisted out of the
// per-context work is every op whose FLOPs and bytes do not depend on the context: only the
// attention core grows with the KV cache, and it is rebuilt per context by
// AttentionCoreTerms::Op, the function CountOps builds it with. So the results equal
// AnalyseStep(CountOps(model, w, DecodeStep(w, past_tokens)), rates, params) bit for bit
// (tests/cost/step_table_test.cc checks this over models x hardware x precisions x TP x shapes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/cost/efficiency_params.h"
#include "sim/cost/latency.h"
#include "sim/cost/op_count.h"
#include "sim/spec/model_spec.h"
#include "sim/workload/workload.h"

namespace rightsize {

class DecodeStepTable {
 public:
  // The decode steps of w.batch sequences of `model` under w's precisions and parallel layout.
  // Throws like PredictStepTime_s (InputError for a collective on a device without a link) and
  // CountOps (an invalid workload). `model` must outlive the table.
  DecodeStepTable(const ModelSpec& model, const Workload& w, const DeviceRates& rates,
                  const EfficiencyParams& params);

  // PredictStepTime_s of the decode step after past_tokens cached tokens (>= 0).
  double StepTime_s(int64_t past_tokens) const;
  // AnalyseStep of the same step.
  StepBreakdown Breakdown(int64_t past_tokens) const;
  // StepTime_s at n contexts: step_s[i] for past_tokens[i].
  void StepTimes_s(const int64_t* past_tokens, size_t n, double* step_s) const;

 private:
  // The attention core of the step after past_tokens.
  OpCost AttentionAt(int64_t past_tokens) const;
  // The step's parts after past_tokens: the prefix's, then the attention core and the ops after it
  // added in op order.
  StepTimeParts<double> PartsAt(int64_t past_tokens) const;

  const ModelSpec* model_;  // not owned
  Step step_;  // this rank's decode step (batch: its sequences); past_tokens set per context
  DeviceRates rates_;
  EfficiencyParams params_;
  AttentionCoreTerms attention_terms_;
  std::vector<OpCost> ops_;              // CountOps of the step at the reference context
  std::vector<double> op_time_s_;        // PredictOpTime_s of each op
  std::vector<StepBreakdown> op_terms_;  // AddToBreakdown of each op alone
  size_t attention_index_;               // the attention core in ops_, ops_.size() if none
  // AddOpTime and AddToBreakdown of the ops before the attention core (all ops if none).
  StepTimeParts<double> prefix_parts_{0.0, 0.0};
  StepBreakdown prefix_terms_;
};

}  // namespace rightsize
