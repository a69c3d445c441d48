;; The fast CPU step's sparse stages in wasm SIMD (f32x4), single-threaded; ../cpu-fast-sparse-wasm.ts lays the
;; tensors out in this module's memory and calls these. Every pointer is a byte offset into that memory; every
;; tensor is row-major float32 (indices u32). Each kernel is the twin of a plain-loop one in src/sae/cpu/:
;;   decode       sparse_decode.ts   out[m, :] = (bias or 0) + Σ_j vals[m, j] · W[idx[m, j], :]   (vals = 0 skipped)
;;   slot_dot     sparse_dot.ts      out[m, j] = vals[m, j] > 0 ? g[m, :] · W[idx[m, j], :] : 0
;;   latent_rows  latent_grad.ts     out[idx[m, j], :] += coef[m, j] · (a[m, :] − sub), sums[idx] += coef, over
;;                                   the slots with vals > 0, rows in order ([d_sae, d]: dW_dec, or dW_encᵀ)
;; Lanes sum four partial products apart (dot) and products round to float32 before the add, so results differ
;; from the twins' by rounding only (tests/node/sae-cpu-fast.test.ts). Why hand-written: V8 runs these loops
;; scalar (~0.4 G multiply-adds/s measured on the 2-core machine) and onnxruntime-web has no sparse kernels;
;; bench:sae-cpu prints the split.
(module
  (memory (export "memory") 1)

  ;; dst[0..n) += a · src[0..n)
  (func $axpy (param $dst i32) (param $src i32) (param $a f32) (param $n i32)
    (local $end i32) (local $end4 i32) (local $av v128)
    (local.set $av (f32x4.splat (local.get $a)))
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $dst) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done4
      (loop $l4
        (br_if $done4 (i32.ge_u (local.get $dst) (local.get $end4)))
        (v128.store (local.get $dst)
          (f32x4.add (v128.load (local.get $dst)) (f32x4.mul (local.get $av) (v128.load (local.get $src)))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (br $l4)))
    (block $done
      (loop $l1
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (f32.store (local.get $dst)
          (f32.add (f32.load (local.get $dst)) (f32.mul (local.get $a) (f32.load (local.get $src)))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (br $l1))))

  ;; p[0..n) · q[0..n)
  (func $dot (param $p i32) (param $q i32) (param $n i32) (result f32)
    (local $end i32) (local $end4 i32) (local $acc v128) (local $s f32)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $acc (v128.const f32x4 0 0 0 0))
    (block $done4
      (loop $l4
        (br_if $done4 (i32.ge_u (local.get $p) (local.get $end4)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (local.get $p)) (v128.load (local.get $q)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (br $l4)))
    (local.set $s
      (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
        (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
    (block $done
      (loop $l1
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $p)) (f32.load (local.get $q)))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (br $l1)))
    (local.get $s))

  ;; out [M, d] = bias (when hasBias, else 0) + Σ_j vals[m, j] · W[idx[m, j]]
  (func (export "decode") (param $vals i32) (param $idx i32) (param $w i32) (param $bias i32) (param $hasBias i32)
                          (param $out i32) (param $M i32) (param $k i32) (param $d i32)
    (local $m i32) (local $j i32) (local $o i32) (local $s i32) (local $v f32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (block $mdone
      (loop $ml
        (br_if $mdone (i32.ge_u (local.get $m) (local.get $M)))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $m) (local.get $rowBytes))))
        (if (local.get $hasBias)
          (then (memory.copy (local.get $o) (local.get $bias) (local.get $rowBytes)))
          (else (memory.fill (local.get $o) (i32.const 0) (local.get $rowBytes))))
        (local.set $j (i32.const 0))
        (block $jdone
          (loop $jl
            (br_if $jdone (i32.ge_u (local.get $j) (local.get $k)))
            (local.set $s (i32.shl (i32.add (i32.mul (local.get $m) (local.get $k)) (local.get $j)) (i32.const 2)))
            (local.set $v (f32.load (i32.add (local.get $vals) (local.get $s))))
            (if (f32.ne (local.get $v) (f32.const 0))
              (then
                (call $axpy (local.get $o)
                  (i32.add (local.get $w) (i32.mul (i32.load (i32.add (local.get $idx) (local.get $s))) (local.get $rowBytes)))
                  (local.get $v) (local.get $d))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jl)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $ml))))

  ;; out [M, k]: vals[m, j] > 0 ? g[m] · W[idx[m, j]] : 0
  (func (export "slot_dot") (param $g i32) (param $idx i32) (param $vals i32) (param $w i32) (param $out i32)
                            (param $M i32) (param $k i32) (param $d i32)
    (local $m i32) (local $j i32) (local $s i32) (local $gRow i32) (local $rowBytes i32) (local $r f32)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (block $mdone
      (loop $ml
        (br_if $mdone (i32.ge_u (local.get $m) (local.get $M)))
        (local.set $gRow (i32.add (local.get $g) (i32.mul (local.get $m) (local.get $rowBytes))))
        (local.set $j (i32.const 0))
        (block $jdone
          (loop $jl
            (br_if $jdone (i32.ge_u (local.get $j) (local.get $k)))
            (local.set $s (i32.shl (i32.add (i32.mul (local.get $m) (local.get $k)) (local.get $j)) (i32.const 2)))
            (local.set $r (f32.const 0))
            (if (f32.gt (f32.load (i32.add (local.get $vals) (local.get $s))) (f32.const 0))
              (then
                (local.set $r (call $dot (local.get $gRow)
                  (i32.add (local.get $w) (i32.mul (i32.load (i32.add (local.get $idx) (local.get $s))) (local.get $rowBytes)))
                  (local.get $d)))))
            (f32.store (i32.add (local.get $out) (local.get $s)) (local.get $r))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jl)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $ml))))

  ;; out [d_sae, d] += coef · (a[m] − sub) at rows idx, sums [d_sae] += coef (when hasSums), slots with vals > 0.
  ;; row: scratch [d]; hasSub 0: sub is ignored.
  (func (export "latent_rows") (param $idx i32) (param $vals i32) (param $coef i32) (param $a i32) (param $sub i32)
                               (param $hasSub i32) (param $out i32) (param $sums i32) (param $hasSums i32)
                               (param $row i32) (param $M i32) (param $k i32) (param $d i32)
    (local $m i32) (local $j i32) (local $s i32) (local $l i32) (local $w f32) (local $rowBytes i32)
    (local $aRow i32)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (block $mdone
      (loop $ml
        (br_if $mdone (i32.ge_u (local.get $m) (local.get $M)))
        (local.set $aRow (i32.add (local.get $a) (i32.mul (local.get $m) (local.get $rowBytes))))
        (memory.copy (local.get $row) (local.get $aRow) (local.get $rowBytes))
        (if (local.get $hasSub)
          (then (call $axpy (local.get $row) (local.get $sub) (f32.const -1) (local.get $d))))
        (local.set $j (i32.const 0))
        (block $jdone
          (loop $jl
            (br_if $jdone (i32.ge_u (local.get $j) (local.get $k)))
            (local.set $s (i32.shl (i32.add (i32.mul (local.get $m) (local.get $k)) (local.get $j)) (i32.const 2)))
            (if (f32.gt (f32.load (i32.add (local.get $vals) (local.get $s))) (f32.const 0))
              (then
                (local.set $l (i32.load (i32.add (local.get $idx) (local.get $s))))
                (local.set $w (f32.load (i32.add (local.get $coef) (local.get $s))))
                (call $axpy (i32.add (local.get $out) (i32.mul (local.get $l) (local.get $rowBytes)))
                  (local.get $row) (local.get $w) (local.get $d))
                (if (local.get $hasSums)
                  (then
                    (f32.store (i32.add (local.get $sums) (i32.shl (local.get $l) (i32.const 2)))
                      (f32.add (f32.load (i32.add (local.get $sums) (i32.shl (local.get $l) (i32.const 2)))) (local.get $w)))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jl)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $ml)))))
