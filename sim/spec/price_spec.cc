#include "sim/spec/price_spec.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/util/units.h"

namespace rightsize {

std::vector<std::string> PriceKindNames() {
  return {kPriceOnDemand, kPriceReserved1y, kPriceReserved3y,
          kPriceSpot,     kPriceOwned,      kPriceServerless};
}

std::vector<std::string> AlwaysOnOf(std::vector<std::string> kinds) {
  std::erase(kinds, std::string(kPriceServerless));
  return kinds;
}

std::vector<std::string> AlwaysOnPriceKinds() { return AlwaysOnOf(PriceKindNames()); }

void CheckPriceKind(const std::string& kind, const SourceLocation& where) {
  const std::vector<std::string> known = PriceKindNames();
  if (std::find(known.begin(), known.end(), kind) == known.end()) {
    throw InputError(
        where, fmt::format("unknown price kind '{}' (known: {})", kind, fmt::join(known, ", ")));
  }
}

double OwnedUsdPerHour(const OwnedCost& o) {
  constexpr double kHoursPerYear = 365.0 * 24.0;
  constexpr double kHoursPerMonth = kSecondsPerMonth / kSecondsPerHour;
  const double capital =
      (o.purchase_usd + o.host_share_usd) / (o.depreciation_years * kHoursPerYear);
  const double energy = o.power_w / kKilo * o.pue * o.electricity_usd_per_kwh;
  return capital + energy + o.colocation_usd_per_month / kHoursPerMonth;
}

}  // namespace rightsize
