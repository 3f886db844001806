#include "sim/spec/price_spec.h"

#include "sim/util/units.h"

namespace rightsize {

std::vector<std::string> PriceKindNames() {
  return {kPriceOnDemand, kPriceReserved1y, kPriceReserved3y,
          kPriceSpot,     kPriceOwned,      kPriceServerless};
}

std::vector<std::string> AlwaysOnPriceKinds() {
  std::vector<std::string> kinds = PriceKindNames();
  std::erase(kinds, std::string(kPriceServerless));
  return kinds;
}

double OwnedUsdPerHour(const OwnedCost& o) {
  constexpr double kHoursPerYear = 365.0 * 24.0;
  constexpr double kHoursPerMonth = kSecondsPerMonth / kSecondsPerHour;
  const double capital =
      (o.purchase_usd + o.host_share_usd) / (o.depreciation_years * kHoursPerYear);
  const double energy = o.power_w / 1000.0 * o.pue * o.electricity_usd_per_kwh;
  return capital + energy + o.colocation_usd_per_month / kHoursPerMonth;
}

}  // namespace rightsize
