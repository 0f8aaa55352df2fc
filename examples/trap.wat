;; Traps three calls deep, to show a trap's message and backtrace.
;;
;;   tandem run examples/trap.wat
(module $trap
  (func $_start (export "_start") (call $parse))
  (func $parse (call $check))
  (func $check unreachable))
