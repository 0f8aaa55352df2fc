;; Fibonacci numbers, recursively and with a loop.
;;
;;   tandem run examples/fib.wat --invoke fib 20
;;   tandem run examples/fib.wat --invoke fib_recursive 20
(module $fib
  ;; fib(0) = 0, fib(1) = 1, wrapping around on overflow.
  (func $fib (export "fib") (param $n i64) (result i64)
    (local $a i64) (local $b i64) (local $next i64)
    (local.set $b (i64.const 1))
    (block $done
      (loop $step
        (br_if $done (i64.eqz (local.get $n)))
        (local.set $next (i64.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $next))
        (local.set $n (i64.sub (local.get $n) (i64.const 1)))
        (br $step)))
    (local.get $a))

  ;; The same by the definition: exponential time, a call-heavy workload.
  (func $fib_recursive (export "fib_recursive") (param $n i64) (result i64)
    (if (result i64) (i64.lt_u (local.get $n) (i64.const 2))
      (then (local.get $n))
      (else
        (i64.add
          (call $fib_recursive (i64.sub (local.get $n) (i64.const 1)))
          (call $fib_recursive (i64.sub (local.get $n) (i64.const 2))))))))
