//! Runs the directives of one `.wast` script against a fresh store.

use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use tandem::{Engine, Instance, Linker, Module, Store, TrapReason, Val};
use wast::parser::{self, ParseBuffer};
use wast::token::{Id, Span};
use wast::{QuoteWat, QuoteWatTest, Wast, WastDirective, WastExecute, WastInvoke, Wat};

use crate::exclusions;
use crate::features::Features;
use crate::report::{FileReport, Finding, Location};
use crate::spectest;
use crate::values::{self, ExternRefs};

/// Runs the script `contents` (shown as `name` in reports) on `engine`, which
/// must have been configured with `features`. With `fuel`, the engine must
/// have fuel consumption switched on; every directive then gets that much fuel,
/// so a runaway loop ends in a failure instead of hanging the run.
///
/// Never panics: parse errors, runtime errors and panics inside the runtime are
/// all recorded as failures.
pub fn run_script(
    name: &str,
    contents: &str,
    engine: &Engine,
    features: &Features,
    fuel: Option<u64>,
    gc_stress: bool,
) -> FileReport {
    let mut report = FileReport {
        name: name.to_string(),
        ..FileReport::default()
    };
    let locate = |span: Span| {
        let (line, col) = span.linecol_in(contents);
        Location {
            line: line + 1,
            col: col + 1,
        }
    };
    let start = Location { line: 1, col: 1 };

    // Directives borrow from the parse buffer, so it has to outlive them here.
    let buffer = match new_parse_buffer(contents) {
        Ok(buffer) => buffer,
        Err(e) => return parse_failure(report, e, contents),
    };
    let directives = match parser::parse::<Wast<'_>>(&buffer) {
        Ok(wast) => wast.directives,
        Err(e) => return parse_failure(report, e, contents),
    };

    let mut runner = match catch_unwind(AssertUnwindSafe(|| {
        ScriptRunner::new(engine, features, fuel, gc_stress)
    })) {
        Ok(Ok(runner)) => runner,
        Ok(Err(message)) => {
            report.failed = directives.len().max(1);
            report.failures.push(Finding {
                location: start,
                message: format!("cannot set up the spectest module: {message}"),
            });
            return report;
        }
        Err(panic) => {
            report.failed = directives.len().max(1);
            report.failures.push(Finding {
                location: start,
                message: format!("runtime panicked: {}", panic_message(&*panic)),
            });
            return report;
        }
    };

    let total = directives.len();
    for (index, directive) in directives.into_iter().enumerate() {
        let location = locate(directive.span());
        if let Some(reason) = exclusions::excluded(name, location.line, features) {
            report.skipped += 1;
            report.skips.push(Finding {
                location,
                message: reason.to_string(),
            });
            continue;
        }
        match catch_unwind(AssertUnwindSafe(|| runner.run(directive))) {
            Ok(Outcome::Pass) => report.passed += 1,
            Ok(Outcome::PassWithNote(message)) => {
                report.passed += 1;
                report.notes.push(Finding { location, message });
            }
            Ok(Outcome::Fail(message)) => {
                report.failed += 1;
                report.failures.push(Finding { location, message });
            }
            Err(panic) => {
                // The store may be left in any state by a panic, so nothing after
                // this point can be trusted; the rest of the script counts as
                // failed rather than silently vanishing from the totals.
                let remaining = total - index - 1;
                report.failed += 1 + remaining;
                let mut message = format!("runtime panicked: {}", panic_message(&*panic));
                if remaining > 0 {
                    message.push_str(&format!(" ({remaining} later directives not run)"));
                }
                report.failures.push(Finding { location, message });
                break;
            }
        }
    }
    report
}

/// Lexes a script the way the testsuite crate does: the spec tests contain
/// deliberately confusing Unicode in strings and comments.
fn new_parse_buffer(contents: &str) -> Result<ParseBuffer<'_>, wast::Error> {
    let mut lexer = wast::lexer::Lexer::new(contents);
    lexer.allow_confusing_unicode(true);
    ParseBuffer::new_with_lexer(lexer)
}

/// A script that cannot be parsed counts as one failure.
fn parse_failure(mut report: FileReport, mut error: wast::Error, contents: &str) -> FileReport {
    error.set_text(contents);
    let (line, col) = error.span().linecol_in(contents);
    report.failed = 1;
    report.failures.push(Finding {
        location: Location {
            line: line + 1,
            col: col + 1,
        },
        message: format!("cannot parse script: {}", error.message()),
    });
    report
}

/// The result of one directive.
enum Outcome {
    Pass,
    /// Passed, with a remark for verbose output.
    PassWithNote(String),
    Fail(String),
}

/// Why executing an `invoke`, `get` or module failed.
enum ExecError {
    /// The script itself could not be carried out (unknown module, unsupported
    /// construct, ...). Always a failure.
    Runner(String),
    /// The runtime reported an error; some directives expect one.
    /// Boxed because `tandem::Error` is large and this travels in `Result`s.
    Wasm(Box<tandem::Error>),
}

impl From<tandem::Error> for ExecError {
    fn from(e: tandem::Error) -> Self {
        ExecError::Wasm(Box::new(e))
    }
}

/// State carried from one directive to the next within a script.
struct ScriptRunner<'e> {
    engine: &'e Engine,
    store: Store<()>,
    linker: Linker<()>,
    /// Instances by their `$name` in the script.
    instances: HashMap<String, Instance>,
    /// The most recently instantiated module, used by `invoke`/`get` without a
    /// module name.
    current: Option<Instance>,
    /// Modules from `(module definition $name ...)`.
    definitions: HashMap<String, Module>,
    /// The most recent module definition, used by `(module instance)` without a
    /// module name.
    last_definition: Option<Module>,
    externs: ExternRefs,
    /// Fuel given to each directive, if fuel is metered.
    fuel: Option<u64>,
}

impl<'e> ScriptRunner<'e> {
    fn new(
        engine: &'e Engine,
        features: &Features,
        fuel: Option<u64>,
        gc_stress: bool,
    ) -> Result<Self, String> {
        let mut store = Store::new(engine, ());
        store.gc_stress(gc_stress);
        let mut linker = Linker::new(engine);
        // Scripts register several instances under the same name over time, and
        // later registrations must win.
        linker.allow_shadowing(true);
        spectest::define(&mut linker, &mut store, features)?;
        Ok(ScriptRunner {
            engine,
            store,
            linker,
            instances: HashMap::new(),
            current: None,
            definitions: HashMap::new(),
            last_definition: None,
            externs: ExternRefs::default(),
            fuel,
        })
    }

    fn run(&mut self, directive: WastDirective<'_>) -> Outcome {
        if let Some(fuel) = self.fuel
            && let Err(e) = self.store.set_fuel(fuel)
        {
            return Outcome::Fail(format!("cannot set fuel: {}", error_text(&e)));
        }
        match directive {
            WastDirective::Module(mut module) => {
                let name = module.name();
                match self.instantiate_quoted(&mut module) {
                    Ok(instance) => {
                        self.bind_instance(name, instance);
                        Outcome::Pass
                    }
                    Err(e) => Outcome::Fail(format!("module failed: {}", exec_error_text(&e))),
                }
            }
            WastDirective::ModuleDefinition(mut module) => {
                let name = module.name();
                match self.compile_quoted(&mut module) {
                    Ok(compiled) => {
                        if let Some(name) = name {
                            self.definitions
                                .insert(name.name().to_string(), compiled.clone());
                        }
                        self.last_definition = Some(compiled);
                        Outcome::Pass
                    }
                    Err(e) => {
                        Outcome::Fail(format!("module definition failed: {}", exec_error_text(&e)))
                    }
                }
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let definition = match module {
                    Some(id) => self.definitions.get(id.name()).cloned(),
                    None => self.last_definition.clone(),
                };
                let Some(definition) = definition else {
                    return Outcome::Fail(format!(
                        "no module definition named {}",
                        id_text(module)
                    ));
                };
                match self.linker.instantiate(&mut self.store, &definition) {
                    Ok(created) => {
                        self.bind_instance(instance, created);
                        Outcome::Pass
                    }
                    Err(e) => Outcome::Fail(format!("module instance failed: {}", error_text(&e))),
                }
            }
            WastDirective::Register { name, module, .. } => {
                let instance = match self.instance(module) {
                    Ok(instance) => instance,
                    Err(message) => return Outcome::Fail(message),
                };
                match self.linker.instance(&mut self.store, name, instance) {
                    Ok(_) => Outcome::Pass,
                    Err(e) => Outcome::Fail(format!("register failed: {}", error_text(&e))),
                }
            }
            WastDirective::Invoke(invoke) => match self.invoke(&invoke) {
                Ok(_) => Outcome::Pass,
                Err(e) => Outcome::Fail(format!("invoke failed: {}", exec_error_text(&e))),
            },
            WastDirective::AssertReturn { exec, results, .. } => {
                let actual = match self.execute(exec) {
                    Ok(actual) => actual,
                    Err(e) => {
                        return Outcome::Fail(format!(
                            "expected a return, got error: {}",
                            exec_error_text(&e)
                        ));
                    }
                };
                self.check_results(&results, &actual)
            }
            WastDirective::AssertTrap { exec, message, .. } => {
                let result = self.execute(exec);
                self.expect_trap(result, message)
            }
            WastDirective::AssertExhaustion { call, message, .. } => {
                let result = self.invoke(&call);
                self.expect_trap(result, message)
            }
            WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            } => {
                let result = self.compile_quoted(&mut module).map(|_| ());
                expect_rejection(result, "invalid", message)
            }
            WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            } => {
                // For quoted modules the text parser usually rejects them before
                // the runtime sees any bytes; that is a pass all the same.
                let result = self.compile_quoted(&mut module).map(|_| ());
                expect_rejection(result, "malformed", message)
            }
            WastDirective::AssertUnlinkable {
                mut module,
                message,
                ..
            } => {
                let result = self.instantiate_wat(&mut module).map(|_| ());
                expect_rejection(result, "unlinkable", message)
            }
            WastDirective::AssertInvalidCustom { mut module, .. }
            | WastDirective::AssertMalformedCustom { mut module, .. } => {
                // A broken custom section is only an error for tools that
                // interpret it; an engine has to accept the module.
                match self.compile_quoted(&mut module) {
                    Ok(_) => Outcome::Pass,
                    Err(e) => Outcome::Fail(format!(
                        "module with a bad custom section must still compile: {}",
                        exec_error_text(&e)
                    )),
                }
            }
            WastDirective::AssertException { exec, .. } => match self.execute(exec) {
                Err(ExecError::Wasm(e)) if matches!(*e, tandem::Error::Exception(_)) => {
                    Outcome::Pass
                }
                Ok(values) => Outcome::Fail(format!(
                    "expected an uncaught exception, got {}",
                    values::describe_vals(&values, &self.store)
                )),
                Err(ExecError::Wasm(e)) => Outcome::Fail(format!(
                    "expected an uncaught exception, got `{}`",
                    error_text(&e)
                )),
                Err(ExecError::Runner(message)) => {
                    Outcome::Fail(format!("expected an uncaught exception: {message}"))
                }
            },
            WastDirective::AssertSuspension { .. } => {
                Outcome::Fail("assert_suspension: stack switching is not supported".to_string())
            }
            WastDirective::Thread(_) | WastDirective::Wait { .. } => {
                Outcome::Fail("wast threads (thread/wait) are not supported".to_string())
            }
        }
    }

    /// Records `instance` as the current one and under `name`, if any.
    fn bind_instance(&mut self, name: Option<Id<'_>>, instance: Instance) {
        if let Some(name) = name {
            self.instances.insert(name.name().to_string(), instance);
        }
        self.current = Some(instance);
    }

    /// The instance called `name`, or the most recent one.
    fn instance(&self, name: Option<Id<'_>>) -> Result<Instance, String> {
        match name {
            Some(id) => self
                .instances
                .get(id.name())
                .copied()
                .ok_or_else(|| format!("no instance named ${}", id.name())),
            None => self
                .current
                .ok_or_else(|| "no module instantiated yet".to_string()),
        }
    }

    /// Encodes a module from the script into binary form.
    fn encode(module: &mut QuoteWat<'_>) -> Result<Vec<u8>, ExecError> {
        match module {
            QuoteWat::Wat(Wat::Component(_)) | QuoteWat::QuoteComponent(..) => Err(
                ExecError::Runner("components are not supported".to_string()),
            ),
            QuoteWat::Wat(Wat::Module(_)) => module
                .encode()
                .map_err(|e| ExecError::Runner(format!("cannot encode module: {}", e.message()))),
            QuoteWat::QuoteModule(..) => match module.to_test() {
                Ok(QuoteWatTest::Binary(bytes)) => Ok(bytes),
                // Quoted text goes through the same text parser as the script.
                Ok(QuoteWatTest::Text(_)) => module.encode().map_err(|e| {
                    ExecError::Runner(format!("cannot parse module text: {}", e.message()))
                }),
                Err(e) => Err(ExecError::Runner(format!(
                    "cannot read module: {}",
                    e.message()
                ))),
            },
        }
    }

    fn compile_quoted(&self, module: &mut QuoteWat<'_>) -> Result<Module, ExecError> {
        let bytes = Self::encode(module)?;
        Ok(counted(Module::from_binary(self.engine, &bytes)?))
    }

    fn instantiate_quoted(&mut self, module: &mut QuoteWat<'_>) -> Result<Instance, ExecError> {
        let compiled = self.compile_quoted(module)?;
        Ok(self.linker.instantiate(&mut self.store, &compiled)?)
    }

    fn instantiate_wat(&mut self, module: &mut Wat<'_>) -> Result<Instance, ExecError> {
        let bytes = match module {
            Wat::Module(m) => m
                .encode()
                .map_err(|e| ExecError::Runner(format!("cannot encode module: {}", e.message())))?,
            Wat::Component(_) => {
                return Err(ExecError::Runner(
                    "components are not supported".to_string(),
                ));
            }
        };
        let compiled = counted(Module::from_binary(self.engine, &bytes)?);
        Ok(self.linker.instantiate(&mut self.store, &compiled)?)
    }

    /// Carries out the action of an assertion.
    fn execute(&mut self, exec: WastExecute<'_>) -> Result<Vec<Val>, ExecError> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Wat(mut module) => {
                self.instantiate_wat(&mut module)?;
                Ok(Vec::new())
            }
            WastExecute::Get { module, global, .. } => {
                let instance = self.instance(module).map_err(ExecError::Runner)?;
                let Some(global_handle) = instance.get_global(&mut self.store, global) else {
                    return Err(ExecError::Runner(format!(
                        "no global export named {global:?}"
                    )));
                };
                Ok(vec![global_handle.get(&mut self.store)])
            }
        }
    }

    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<Vec<Val>, ExecError> {
        let instance = self.instance(invoke.module).map_err(ExecError::Runner)?;
        let Some(func) = instance.get_func(&mut self.store, invoke.name) else {
            return Err(ExecError::Runner(format!(
                "no function export named {:?}",
                invoke.name
            )));
        };
        let mut args = Vec::with_capacity(invoke.args.len());
        for arg in &invoke.args {
            args.push(
                values::arg_to_val(arg, &mut self.store, &mut self.externs)
                    .map_err(ExecError::Runner)?,
            );
        }
        let result_count = func.ty(&self.store).results().len();
        let mut results = vec![Val::I32(0); result_count];
        func.call(&mut self.store, &args, &mut results)?;
        Ok(results)
    }

    fn check_results(&mut self, expected: &[wast::WastRet<'_>], actual: &[Val]) -> Outcome {
        if expected.len() != actual.len() {
            return Outcome::Fail(format!(
                "expected {} results, got {}",
                expected.len(),
                values::describe_vals(actual, &self.store)
            ));
        }
        let mismatches: Vec<String> = expected
            .iter()
            .zip(actual)
            .enumerate()
            .filter_map(|(i, (e, a))| {
                values::match_result(e, a, &mut self.store)
                    .err()
                    .map(|m| format!("result {i}: {m}"))
            })
            .collect();
        if mismatches.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail(mismatches.join("; "))
        }
    }

    fn expect_trap(&self, result: Result<Vec<Val>, ExecError>, expected: &str) -> Outcome {
        match result {
            Ok(values) => Outcome::Fail(format!(
                "expected trap `{expected}`, got {}",
                values::describe_vals(&values, &self.store)
            )),
            Err(ExecError::Runner(message)) => {
                Outcome::Fail(format!("expected trap `{expected}`: {message}"))
            }
            Err(ExecError::Wasm(e)) => {
                let actual = error_text(&e);
                if trap_message_matches(expected, &actual) {
                    Outcome::Pass
                } else {
                    Outcome::Fail(format!("expected trap `{expected}`, got `{actual}`"))
                }
            }
        }
    }
}

/// Passes when a module was rejected. Any error counts, because engines word
/// their validation errors differently from the reference interpreter; a
/// different wording is kept as a note.
fn expect_rejection(result: Result<(), ExecError>, kind: &str, expected: &str) -> Outcome {
    match result {
        Ok(()) => Outcome::Fail(format!(
            "expected {kind} module (`{expected}`), but it was accepted"
        )),
        Err(e) => {
            let actual = exec_error_text(&e);
            if actual.contains(expected) {
                Outcome::Pass
            } else {
                Outcome::PassWithNote(format!(
                    "{kind} module: expected `{expected}`, got `{actual}`"
                ))
            }
        }
    }
}

/// Spellings the testsuite uses for trap conditions that the runtime reports
/// with a more general message. Each pair is (expected text, runtime text).
const TRAP_ALIASES: &[(&str, &str)] = &[
    // Typed references dereferenced while null.
    ("null function reference", "null reference"),
    ("null structure reference", "null reference"),
    ("null array reference", "null reference"),
    ("null i31 reference", "null reference"),
    ("null exception reference", "null reference"),
];

/// Whether a trap reported as `actual` is the one a script expects.
///
/// Matches when the runtime's message contains the expected text, when the
/// expected text starts with the runtime's message (the testsuite sometimes adds
/// detail such as `uninitialized element 2`), or through [`TRAP_ALIASES`].
pub fn trap_message_matches(expected: &str, actual: &str) -> bool {
    let actual = actual.trim();
    actual.contains(expected)
        || (!actual.is_empty() && expected.starts_with(actual))
        || TRAP_ALIASES
            .iter()
            .any(|(e, a)| expected.starts_with(e) && actual.contains(a))
}

/// An error as one line, as compared with a script's expected message: a trap
/// is its message without the backtrace, anything else the first line of its
/// display text.
fn error_text(e: &tandem::Error) -> String {
    if let Some(trap) = e.as_trap() {
        return match trap.reason() {
            TrapReason::Code(code) => code.to_string(),
            TrapReason::Host(inner) => error_text(inner),
        };
    }
    let text = e.to_string();
    text.lines().next().unwrap_or_default().to_string()
}

fn exec_error_text(e: &ExecError) -> String {
    match e {
        ExecError::Runner(message) => message.clone(),
        ExecError::Wasm(e) => error_text(e),
    }
}

fn id_text(id: Option<Id<'_>>) -> String {
    match id {
        Some(id) => format!("${}", id.name()),
        None => "(most recent)".to_string(),
    }
}

thread_local! {
    /// Where the last panic on this thread happened, recorded by the hook from
    /// [`install_quiet_panic_hook`].
    static PANIC_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Replaces the default panic hook, which prints every panic to stderr, with
/// one that only remembers where the panic happened. Panics inside the runtime
/// are caught and reported as failures (with that location), so printing them
/// as well would just interleave noise from parallel workers.
pub fn install_quiet_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|l| l.to_string());
        PANIC_LOCATION.with(|slot| *slot.borrow_mut() = location);
    }));
}

/// The message of a caught panic (a `&str` or `String` for `panic!`), with its
/// location when the quiet hook recorded one.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let mut message = if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    };
    if let Some(location) = PANIC_LOCATION.with(|slot| slot.borrow_mut().take()) {
        message.push_str(&format!(" (at {location})"));
    }
    message
}

/// Functions defined by the modules compiled so far.
pub static FUNCTIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Counts `module`'s functions in [`FUNCTIONS`].
fn counted(module: Module) -> Module {
    FUNCTIONS.fetch_add(
        module.sizes().functions,
        std::sync::atomic::Ordering::Relaxed,
    );
    module
}

#[cfg(test)]
mod tests {
    use super::trap_message_matches;

    #[test]
    fn trap_messages() {
        assert!(trap_message_matches("integer overflow", "integer overflow"));
        assert!(trap_message_matches(
            "uninitialized element 2",
            "uninitialized element"
        ));
        assert!(trap_message_matches(
            "null function reference",
            "null reference"
        ));
        assert!(!trap_message_matches(
            "undefined element",
            "out of bounds table access"
        ));
        assert!(trap_message_matches(
            "out of bounds",
            "out of bounds memory access"
        ));
        assert!(!trap_message_matches(
            "integer overflow",
            "integer divide by zero"
        ));
        assert!(!trap_message_matches("unreachable", ""));
    }
}
