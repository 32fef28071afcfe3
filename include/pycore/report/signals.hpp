// Names and descriptions of Linux signals and their si_code values, for the report.
#pragma once

#include <string>

namespace pycore::report {

std::string signal_name(int signo);                 // "SIGSEGV", or "signal 42"
std::string signal_description(int signo);          // "Segmentation fault"
std::string signal_code_name(int signo, int code);  // "SEGV_MAPERR", "SI_TKILL", ...
// Whether si_addr is meaningful for this signal (a fault, not a kill()).
bool signal_has_fault_address(int signo, int code);

}  // namespace pycore::report
