// PriceSpec: what one device costs per hour, dated and sourced (models/prices/*.yaml), by the
// kind of deal a buyer makes: on demand, reserved for one or three years, interruptible (spot),
// owned (bought, hosted and powered; the hourly figure is computed from its parts), or serverless
// (billed per second while a scale-to-zero worker is up).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/util/error.h"

namespace rightsize {

// The highest price of a device-hour rightsize accepts anywhere (price files, studies, flags).
inline constexpr double kMaxUsdPerDeviceHour = 1e7;

// Price kinds (PriceSpec::kind).
inline constexpr const char* kPriceOnDemand = "cloud-on-demand";
inline constexpr const char* kPriceReserved1y = "cloud-reserved-1y";
inline constexpr const char* kPriceReserved3y = "cloud-reserved-3y";
inline constexpr const char* kPriceSpot = "cloud-spot";
inline constexpr const char* kPriceOwned = "owned";
// Scale-to-zero serverless workers, billed per second while up (usd_per_hour = the per-second rate
// x 3600); a study prices them with their own model (sim/plan/crossover.h), never as always on.
inline constexpr const char* kPriceServerless = "serverless";
// Every kind, in the order a buyer meets them.
std::vector<std::string> PriceKindNames();
// `kinds` without serverless: the ones that price a device kept up around the clock.
std::vector<std::string> AlwaysOnOf(std::vector<std::string> kinds);
// Every always-on kind: AlwaysOnOf(PriceKindNames()).
std::vector<std::string> AlwaysOnPriceKinds();
// InputError at `where` unless `kind` is one of PriceKindNames().
void CheckPriceKind(const std::string& kind, const SourceLocation& where);

// An owned device: bought once, depreciated over its life, in a host, drawing power through the
// facility's cooling and distribution losses (PUE), and optionally colocated.
struct OwnedCost {
  double purchase_usd = 0.0;        // the device (for a soldered SoC: the whole machine)
  double host_share_usd = 0.0;      // this device's share of the host (CPU, board, memory, PSU)
  double depreciation_years = 0.0;  // straight line to zero, no resale value, (0, 20]
  double power_w = 0.0;             // device plus host share at the wall, every hour (upper bound)
  double pue = 1.0;                 // power usage effectiveness of the site, [1, 3]
  double electricity_usd_per_kwh = 0.0;
  double colocation_usd_per_month = 0.0;  // rack space per device (0 at home or in an office)
};

// (purchase + host share) / (years x 8,760 h) + power x PUE x electricity + colocation / 720 h
// (a 365-day year, the 30-day billing month of sim/util/units.h).
double OwnedUsdPerHour(const OwnedCost& owned);

struct PriceSpec {
  std::string id;
  std::string hardware_id;    // a HardwareSpec id
  double usd_per_hour = 0.0;  // per device (for owned: computed from `owned`)
  std::string kind;           // one of PriceKindNames()
  std::string date;           // YYYY-MM of the quote
  std::string source;
  std::string notes;
  std::optional<OwnedCost> owned;  // set when kind is owned
};

}  // namespace rightsize
