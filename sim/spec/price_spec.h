// PriceSpec: what one device costs per hour, dated and sourced (models/prices/*.yaml).
#pragma once

#include <string>

namespace rightsize {

// The highest price of a device-hour rightsize accepts anywhere (price files, studies, flags).
inline constexpr double kMaxUsdPerDeviceHour = 1e7;

struct PriceSpec {
  std::string id;
  std::string hardware_id;    // a HardwareSpec id
  double usd_per_hour = 0.0;  // per device
  std::string kind;           // cloud-on-demand | cloud-spot | purchase-amortised
  std::string date;           // YYYY-MM of the quote
  std::string source;
  std::string notes;
};

}  // namespace rightsize
