#include "pycore/report/signals.hpp"

#include <csignal>
#include <string_view>

namespace pycore::report {
namespace {

struct SignalText {
  int signo;
  std::string_view name;
  std::string_view description;
};

// Linux x86-64 numbering; the kernel that wrote the core used it, whatever machine we run on.
constexpr SignalText kSignals[] = {
    {1, "SIGHUP", "Hangup"},
    {2, "SIGINT", "Interrupt"},
    {3, "SIGQUIT", "Quit"},
    {4, "SIGILL", "Illegal instruction"},
    {5, "SIGTRAP", "Trace/breakpoint trap"},
    {6, "SIGABRT", "Aborted"},
    {7, "SIGBUS", "Bus error"},
    {8, "SIGFPE", "Floating point exception"},
    {9, "SIGKILL", "Killed"},
    {10, "SIGUSR1", "User defined signal 1"},
    {11, "SIGSEGV", "Segmentation fault"},
    {12, "SIGUSR2", "User defined signal 2"},
    {13, "SIGPIPE", "Broken pipe"},
    {14, "SIGALRM", "Alarm clock"},
    {15, "SIGTERM", "Terminated"},
    {16, "SIGSTKFLT", "Stack fault"},
    {17, "SIGCHLD", "Child exited"},
    {18, "SIGCONT", "Continued"},
    {19, "SIGSTOP", "Stopped (signal)"},
    {20, "SIGTSTP", "Stopped"},
    {21, "SIGTTIN", "Stopped (tty input)"},
    {22, "SIGTTOU", "Stopped (tty output)"},
    {23, "SIGURG", "Urgent I/O condition"},
    {24, "SIGXCPU", "CPU time limit exceeded"},
    {25, "SIGXFSZ", "File size limit exceeded"},
    {26, "SIGVTALRM", "Virtual timer expired"},
    {27, "SIGPROF", "Profiling timer expired"},
    {28, "SIGWINCH", "Window changed"},
    {29, "SIGIO", "I/O possible"},
    {30, "SIGPWR", "Power failure"},
    {31, "SIGSYS", "Bad system call"},
};

const SignalText* find(int signo) {
  for (const auto& s : kSignals)
    if (s.signo == signo) return &s;
  return nullptr;
}

struct CodeText {
  int signo;  // 0: any signal
  int code;
  std::string_view name;
};

constexpr CodeText kCodes[] = {
    {11, 1, "SEGV_MAPERR"}, {11, 2, "SEGV_ACCERR"}, {11, 3, "SEGV_BNDERR"}, {11, 4, "SEGV_PKUERR"},
    {7, 1, "BUS_ADRALN"},   {7, 2, "BUS_ADRERR"},   {7, 3, "BUS_OBJERR"},   {4, 1, "ILL_ILLOPC"},
    {4, 2, "ILL_ILLOPN"},   {4, 3, "ILL_ILLADR"},   {4, 4, "ILL_ILLTRP"},   {4, 5, "ILL_PRVOPC"},
    {4, 6, "ILL_PRVREG"},   {4, 7, "ILL_COPROC"},   {4, 8, "ILL_BADSTK"},   {8, 1, "FPE_INTDIV"},
    {8, 2, "FPE_INTOVF"},   {8, 3, "FPE_FLTDIV"},   {8, 4, "FPE_FLTOVF"},   {8, 5, "FPE_FLTUND"},
    {8, 6, "FPE_FLTRES"},   {8, 7, "FPE_FLTINV"},   {8, 8, "FPE_FLTSUB"},   {0, 0, "SI_USER"},
    {0, 0x80, "SI_KERNEL"}, {0, -1, "SI_QUEUE"},    {0, -2, "SI_TIMER"},    {0, -3, "SI_MESGQ"},
    {0, -4, "SI_ASYNCIO"},  {0, -5, "SI_SIGIO"},    {0, -6, "SI_TKILL"},
};

bool is_fault_signal(int signo) {
  return signo == 4 || signo == 7 || signo == 8 || signo == 11;
}

}  // namespace

std::string signal_name(int signo) {
  if (const auto* s = find(signo)) return std::string(s->name);
  if (signo >= 34 && signo <= 64) return "SIGRTMIN+" + std::to_string(signo - 34);
  return "signal " + std::to_string(signo);
}

std::string signal_description(int signo) {
  if (const auto* s = find(signo)) return std::string(s->description);
  return "Real-time signal";
}

std::string signal_code_name(int signo, int code) {
  // Positive codes are signal-specific only for fault signals; elsewhere they are generic.
  for (const auto& c : kCodes)
    if (c.code == code && (c.signo == signo || (c.signo == 0 && (code <= 0 || code == 0x80 ||
                                                                 !is_fault_signal(signo)))))
      return std::string(c.name);
  return std::to_string(code);
}

bool signal_has_fault_address(int signo, int code) {
  return is_fault_signal(signo) && code > 0 && code != 0x80;
}

}  // namespace pycore::report
