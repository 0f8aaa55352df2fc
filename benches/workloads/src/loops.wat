;; Tight integer loops: a linear congruential generator feeding rotates, shifts
;; and an i64 accumulator, then a nested counting loop. Every iteration is a
;; handful of register ops and one backward branch, so this isolates dispatch cost.
(module
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $j i32) (local $a i32) (local $b i32) (local $acc i64)
    (local.set $a (i32.const 1))
    (local.set $b (i32.const 0x9e3779b9))
    (block $done
      (loop $outer
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a
          (i32.add (i32.mul (local.get $a) (i32.const 1664525)) (i32.const 1013904223)))
        (local.set $b
          (i32.add
            (i32.rotl (i32.xor (local.get $b) (i32.shr_u (local.get $a) (i32.const 13)))
                      (i32.const 5))
            (local.get $a)))
        (local.set $acc
          (i64.add (local.get $acc)
                   (i64.extend_i32_u (i32.and (local.get $b) (i32.const 0xffff)))))
        ;; A short inner loop whose trip count varies between 0 and 7.
        (local.set $j (i32.and (local.get $a) (i32.const 7)))
        (block $inner_done
          (loop $inner
            (br_if $inner_done (i32.eqz (local.get $j)))
            (local.set $acc
              (i64.xor (i64.shl (local.get $acc) (i64.const 1))
                       (i64.extend_i32_u (local.get $j))))
            (local.set $j (i32.sub (local.get $j) (i32.const 1)))
            (br $inner)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (i64.add (local.get $acc) (i64.extend_i32_u (local.get $b)))))
