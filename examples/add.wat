;; Adds two 32-bit integers.
;;
;;   tandem run examples/add.wat --invoke add 2 3
(module $add
  (func $add (export "add") (param $a i32) (param $b i32) (result i32)
    local.get $a
    local.get $b
    i32.add))
