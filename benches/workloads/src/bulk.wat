;; Bulk memory: one large memory.fill and memory.copy per round (dominated by the
;; host's memset/memmove) followed by many small copies and fills of 1 to 64 bytes,
;; where each instruction's fixed cost (bounds checks, dispatch) dominates.
(module
  (memory (export "memory") 40)

  (func (export "run") (param $n i32) (result i64)
    (local $round i32) (local $k i32) (local $seed i32)
    (local $src i32) (local $dst i32) (local $len i32) (local $acc i64)
    (local.set $seed (i32.const 12345))
    (block $done
      (loop $rounds
        (br_if $done (i32.ge_u (local.get $round) (local.get $n)))
        ;; 1 MiB fill, then move 512 KiB of it up by a varying offset.
        (memory.fill (i32.const 0) (local.get $round) (i32.const 0x100000))
        (memory.copy
          (i32.add (i32.const 0x100000) (i32.and (local.get $round) (i32.const 0xfff)))
          (i32.const 0x1000)
          (i32.const 0x80000))
        (local.set $k (i32.const 0))
        (block $small_done
          (loop $small
            (br_if $small_done (i32.ge_u (local.get $k) (i32.const 4096)))
            ;; xorshift32 picks the source, destination and length.
            (local.set $seed (i32.xor (local.get $seed) (i32.shl (local.get $seed) (i32.const 13))))
            (local.set $seed (i32.xor (local.get $seed) (i32.shr_u (local.get $seed) (i32.const 17))))
            (local.set $seed (i32.xor (local.get $seed) (i32.shl (local.get $seed) (i32.const 5))))
            (local.set $src (i32.and (local.get $seed) (i32.const 0xfffff)))
            (local.set $dst
              (i32.add (i32.const 0x100000)
                       (i32.and (i32.shr_u (local.get $seed) (i32.const 8)) (i32.const 0xfffff))))
            (local.set $len
              (i32.add (i32.and (i32.shr_u (local.get $seed) (i32.const 26)) (i32.const 63))
                       (i32.const 1)))
            (memory.copy (local.get $dst) (local.get $src) (local.get $len))
            (memory.fill (local.get $src) (local.get $k) (i32.and (local.get $len) (i32.const 15)))
            (local.set $acc
              (i64.add (local.get $acc) (i64.load8_u (local.get $dst))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $small)))
        (local.set $acc
          (i64.add (local.get $acc) (i64.load (i32.const 0x140008))))
        (local.set $round (i32.add (local.get $round) (i32.const 1)))
        (br $rounds)))
    (local.get $acc)))
