import { setFlagsFromString } from 'node:v8';

/**
 * Cedar (cedar-wasm's Node build) for the main process, its workers and the CLI: import it from
 * here, never from '@cedar-policy/cedar-wasm/nodejs' directly, so that the V8 workaround below is in
 * place in every process that decides with Cedar.
 *
 * Why: Node 20's V8 (11.3) aborts the whole process with `Fatal error … unreachable code` in
 * `Deoptimizer::DoComputeBuiltinContinuation` (the frame below it is
 * `Deoptimizer::TranslatedValueForWasmReturnKind`) when TurboFan has inlined a JS→Wasm call whose
 * Wasm function returns an `externref` and the optimized caller is lazily deoptimized while that
 * call is running. That V8 reconstructs the call's result only for i32/i64/f32/f64 returns; every
 * cedar-wasm export takes and returns `externref` (wasm-bindgen), and Cedar calls back into JS
 * (JSON.parse of its answer) during the call, which can invalidate the optimized caller's map
 * dependencies. Seen: `evaluate` in shared/policy/engine.ts (the `cedar.statefulIsAuthorized` call,
 * with decisionFromAnswer inlined) marked for deoptimization ("code dependencies") and lazily
 * deoptimized at that call in re-verification workers, killing the bench, the chain/verify tests and
 * would kill `arx bundle verify`. No rewrite of our call site can stop V8 from inlining the wrapper's
 * call (it is inside cedar-wasm's own JS), so the inlining itself is turned off:
 * --no-turbo-inline-js-wasm-calls. V8 flags are per process, so this covers every worker thread too;
 * it must run before TurboFan optimizes a Cedar caller, which loading this module before the first
 * decision guarantees. Its cost is within the noise of a decision (docs/reverify.md).
 * test/unit/policy/cedar-node.test.ts reproduces the abort and checks that this prevents it.
 */
setFlagsFromString('--no-turbo-inline-js-wasm-calls');

export * from '@cedar-policy/cedar-wasm/nodejs';
