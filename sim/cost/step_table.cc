#include "sim/cost/step_table.h"

#include <string_view>

#include "sim/workload/parallel_layout.h"

namespace rightsize {
namespace {

// The terms of `add` (one op's AddToBreakdown from zero) added to *b. An op leaves the fields it
// does not touch at +0.0, and x + 0.0 == x, so this is the same sum as AddToBreakdown on *b.
void AddTerms(const StepBreakdown& add, StepBreakdown* b) {
  b->compute_s += add.compute_s;
  b->memory_s += add.memory_s;
  b->comm_s += add.comm_s;
  b->overhead_s += add.overhead_s;
  b->flops += add.flops;
  b->bytes += add.bytes;
}

}  // namespace

DecodeStepTable::DecodeStepTable(const ModelSpec& model, const Workload& w,
                                 const DeviceRates& rates, const EfficiencyParams& params)
    : model_(&model),
      rates_(rates),
      params_(params),
      attention_terms_(AttentionCoreTermsOf(model, w, Phase::kDecode)) {
  const Step whole = DecodeStep(w, w.prompt_tokens);
  // CountOps's split of the step: this rank attends for its share of the sequences.
  step_ = whole;
  step_.batch = SequencesPerAttentionRank(whole.batch, w.parallel);
  ops_ = CountOps(model, w, whole);
  attention_index_ = ops_.size();
  for (size_t i = 0; i < ops_.size(); ++i) {
    const OpCost& op = ops_[i];
    if (op.kind == OpKind::kComm && !(rates.link_bandwidth_bytes_per_s > 0.0)) ThrowNoLink(op);
    if (op.kind == OpKind::kAttention && std::string_view(op.name) == "attention" &&
        attention_index_ == ops_.size()) {
      attention_index_ = i;
    }
    op_time_s_.push_back(PredictOpTime_s(op, rates_, params_.data()));
    StepBreakdown terms;
    AddToBreakdown(op, op_time_s_.back(), rates_, params_, &terms);
    op_terms_.push_back(terms);
  }
  // The sums over the ops before the attention core, from zero in op order as the loops over
  // every op would reach them.
  for (size_t i = 0; i < attention_index_; ++i) {
    AddOpTime(ops_[i], op_time_s_[i], &prefix_parts_);
    AddTerms(op_terms_[i], &prefix_terms_);
  }
}

OpCost DecodeStepTable::AttentionAt(int64_t past_tokens) const {
  Step step = step_;
  step.past_tokens = past_tokens;
  return attention_terms_.Op(AggregatesOf(*model_, step));
}

StepTimeParts<double> DecodeStepTable::PartsAt(int64_t past_tokens) const {
  StepTimeParts<double> parts = prefix_parts_;
  if (attention_index_ < ops_.size()) {
    const OpCost attention = AttentionAt(past_tokens);
    AddOpTime(attention, PredictOpTime_s(attention, rates_, params_.data()), &parts);
    for (size_t i = attention_index_ + 1; i < ops_.size(); ++i) {
      AddOpTime(ops_[i], op_time_s_[i], &parts);
    }
  }
  return parts;
}

double DecodeStepTable::StepTime_s(int64_t past_tokens) const {
  return StepTimeOfParts_s(PartsAt(past_tokens), rates_, params_.data());
}

StepBreakdown DecodeStepTable::Breakdown(int64_t past_tokens) const {
  StepTimeParts<double> parts = prefix_parts_;
  StepBreakdown b = prefix_terms_;
  if (attention_index_ < ops_.size()) {
    const OpCost attention = AttentionAt(past_tokens);
    const double attention_s = PredictOpTime_s(attention, rates_, params_.data());
    AddOpTime(attention, attention_s, &parts);
    AddToBreakdown(attention, attention_s, rates_, params_, &b);
    for (size_t i = attention_index_ + 1; i < ops_.size(); ++i) {
      AddOpTime(ops_[i], op_time_s_[i], &parts);
      AddTerms(op_terms_[i], &b);
    }
  }
  b.step_s = StepTimeOfParts_s(parts, rates_, params_.data());
  FinishBreakdown(params_, &b);
  return b;
}

void DecodeStepTable::StepTimes_s(const int64_t* past_tokens, size_t n, double* step_s) const {
  for (size_t i = 0; i < n; ++i) step_s[i] = StepTime_s(past_tokens[i]);
}

}  // namespace rightsize
