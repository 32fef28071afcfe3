// JSON renderer: docs/report.schema.json is the contract; keep the two in step.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "pycore/report/render.hpp"

namespace pycore::report {
namespace {

using nlohmann::json;

// Pointers are strings: JSON numbers lose precision above 2^53 in many consumers.
std::string hex(uint64_t v) {
  return fmt::format("{:#x}", v);
}

json opt_int(const std::optional<int>& v) {
  return v ? json(*v) : json(nullptr);
}
json opt_str(const std::optional<std::string>& v) {
  return v ? json(*v) : json(nullptr);
}
json str_or_null(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}

json python_json(const PythonInfo& p) {
  return {{"version", str_or_null(p.version)},
          {"build", str_or_null(p.build)},
          {"free_threaded", p.free_threaded},
          {"layout_source", str_or_null(p.layout_source)},
          {"identified_by", str_or_null(p.identified_by)},
          {"library", str_or_null(p.library)}};
}

json crash_json(const std::optional<CrashInfo>& c) {
  if (!c) return nullptr;
  return {{"signal", c->signal},
          {"signal_name", c->signal_name},
          {"description", c->signal_description},
          {"code", c->code},
          {"code_name", c->code_name},
          {"fault_address", c->fault_address ? json(hex(*c->fault_address)) : json(nullptr)},
          {"thread", c->thread},
          {"summary", str_or_null(c->summary)},
          {"blame", c->blame ? json{{"module", c->blame->module},
                                    {"function", str_or_null(c->blame->function)},
                                    {"build_id", str_or_null(c->blame->build_id)}}
                             : json(nullptr)}};
}

json frame_json(const PythonFrameInfo& f) {
  json locals = nullptr;
  if (f.locals_read) {
    locals = json::object();
    for (const auto& [name, value] : f.locals) locals[name] = value;
  }
  return {{"function", f.function},
          {"qualname", str_or_null(f.qualname)},
          {"file", f.file},
          {"line", opt_int(f.line)},
          {"kind", f.kind},
          {"locals", locals},
          {"frame_address", f.frame_address ? json(hex(f.frame_address)) : json(nullptr)}};
}

json native_json(const NativeFrameInfo& n) {
  return {{"address", hex(n.address)},
          {"function", str_or_null(n.function)},
          {"module", str_or_null(n.module)},
          {"offset", hex(n.offset)},
          {"python_frames", n.python_frames_here}};
}

json exception_json(const ExceptionInfo& e, int depth) {
  json tb = json::array();
  for (const auto& t : e.traceback)
    tb.push_back({{"file", t.file}, {"line", opt_int(t.line)}, {"function", t.function}});
  // The model bounds chains already; the depth guard keeps a bad model from recursing forever.
  auto chained = [&](const std::shared_ptr<ExceptionInfo>& x) -> json {
    return x && depth < 32 ? exception_json(*x, depth + 1) : json(nullptr);
  };
  json j = {{"type", e.type},
            {"message", e.message},
            {"address", e.address ? json(hex(e.address)) : json(nullptr)},
            {"traceback", tb},
            {"context", chained(e.context)},
            {"cause", chained(e.cause)},
            {"suppress_context", e.suppress_context},
            {"note", str_or_null(e.note)}};
  if (depth == 0) j["state"] = e.state;
  return j;
}

json thread_json(const ThreadInfo& t) {
  json py = json::array(), native = json::array(), exc = json::array();
  for (const auto& f : t.python_frames) py.push_back(frame_json(f));
  for (const auto& n : t.native_frames) native.push_back(native_json(n));
  for (const auto& e : t.exceptions) exc.push_back(exception_json(e, 0));
  return {{"tid", t.tid},
          {"name", opt_str(t.name)},
          {"crashed", t.crashed},
          {"holds_gil", t.holds_gil},
          {"gc_collecting", t.gc_collecting},
          {"finalizing", t.finalizing},
          {"interpreter", t.interpreter_id},
          {"thread_state", t.thread_state ? json(hex(t.thread_state)) : json(nullptr)},
          {"python_frames", py},
          {"native_frames", native},
          {"exceptions", exc},
          {"unwind_error", str_or_null(t.unwind_error)}};
}

json finding_json(const Finding& f) {
  json parents = json::array();
  for (const auto& p : f.parents)
    parents.push_back({{"address", hex(p.address)},
                       {"type", p.type},
                       {"slot", p.slot},
                       {"conservative", p.conservative}});
  json examples = json::array();
  for (auto a : f.examples) examples.push_back(hex(a));
  return {{"check", f.check},
          {"severity", f.severity},
          {"object",
           {{"address", hex(f.object.address)},
            {"type", f.object.type},
            {"refcount", f.object.refcount ? json(*f.object.refcount) : json(nullptr)}}},
          {"parents", parents},
          {"count", f.count},
          {"message", f.message},
          {"examples", examples}};
}

json gc_json(const std::optional<GcSummary>& g) {
  if (!g) return nullptr;
  json types = json::array(), gens = json::array();
  for (const auto& t : g->types)
    types.push_back({{"type", t.type}, {"count", t.count}, {"bytes", t.bytes}});
  for (const auto& x : g->generations)
    gens.push_back({{"name", x.name}, {"objects", x.objects}, {"bytes", x.bytes}});
  return {{"objects", g->objects}, {"bytes", g->bytes}, {"types", types}, {"generations", gens}};
}

}  // namespace

std::string render_json(const Report& r, bool pretty) {
  json threads = json::array(), modules = json::array(), findings = json::array();
  for (const auto& t : r.threads) threads.push_back(thread_json(t));
  for (const auto& m : r.modules)
    modules.push_back({{"path", m.path},
                       {"build_id", str_or_null(m.build_id)},
                       {"build_id_status", m.build_id_status},
                       {"load_address", hex(m.load_address)},
                       {"debug_info", m.debug_info},
                       {"interpreter", m.interpreter}});
  for (const auto& f : r.findings) findings.push_back(finding_json(f));
  json doc = {{"schema", kJsonSchemaId},
              {"core", r.core_path},
              {"python", python_json(r.python)},
              {"process",
               {{"pid", r.process.pid ? json(*r.process.pid) : json(nullptr)},
                {"executable", str_or_null(r.process.executable)},
                {"command_line", str_or_null(r.process.command_line)}}},
              {"crash", crash_json(r.crash)},
              {"threads", threads},
              {"modules", modules},
              {"gc", gc_json(r.gc)},
              {"findings", findings},
              {"signature", opt_str(r.signature)},
              {"signature_frames", r.signature_frames},
              {"warnings", r.warnings},
              {"exit_code", r.exit_code}};
  // Target memory can hold any bytes; replace invalid UTF-8 instead of throwing.
  return doc.dump(pretty ? 1 : -1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace pycore::report
