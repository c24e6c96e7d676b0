// RUN: raspir-opt %s --split-input-file -p rasp-legalize | filecheck %s --match-full-lines

// Legalizing again changes nothing.
// RUN: raspir-opt %s --split-input-file -p rasp-legalize -o %t.once.mlir
// RUN: raspir-opt %t.once.mlir --split-input-file -p rasp-legalize -o %t.twice.mlir
// RUN: diff %t.once.mlir %t.twice.mlir

// A conjunction over different keys and queries: the keys (tokens, indices)
// are paired into one s-op of tuples, which also serves as the queries; the
// relation holds where the tokens are equal and the key's index is smaller.

rasp.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %same = rasp.select "same" %tokens, %tokens eq
  %before = rasp.select "before" %indices, %indices lt
  %both = rasp.select_and "both" %same, %before
  %width = rasp.selector_width "width" %both : !rasp.sop<categorical> values {0, 1, 2}
  rasp.output %width : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
// CHECK-NEXT: %both_keys = rasp.sequence_map "both_keys" %tokens, %indices {(1, 0) -> (1, 0), (1, 1) -> (1, 1), (2, 0) -> (2, 0), (2, 1) -> (2, 1)} : !rasp.sop<categorical> values {(1, 0), (1, 1), (2, 0), (2, 1)}
// CHECK-NEXT: %both = rasp.select "both" %both_keys, %both_keys {((1, 0), (1, 1)), ((2, 0), (2, 1))}
// CHECK-NEXT: %width = rasp.selector_width "width" %both : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: rasp.output %width : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// A negation over one key and one query s-op keeps a comparison: not lt is geq.

rasp.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2}
  %less = rasp.select "less" %tokens, %tokens lt
  %not_less = rasp.select_not "not_less" %less
  %width = rasp.selector_width "width" %not_less : !rasp.sop<categorical> values {0, 1, 2}
  rasp.output %width : !rasp.sop<categorical>
}

// CHECK: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2}
// CHECK-NEXT: %not_less = rasp.select "not_less" %tokens, %tokens geq
// CHECK-NEXT: %width = rasp.selector_width "width" %not_less : !rasp.sop<categorical> values {0, 1, 2}

// -----

// A disjunction whose leaves share their queries: only the keys are paired.
// Key (t, i) is selected for query q where t = q or i > q.

rasp.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %ones = rasp.map "ones" %tokens {1 -> 1, 2 -> 1} : !rasp.sop<numerical> values {1}
  %a = rasp.select "a" %tokens, %tokens eq
  %b = rasp.select "b" %indices, %tokens gt
  %either = rasp.select_or "either" %a, %b
  %mean = rasp.aggregate "mean" %either, %ones default 0 : !rasp.sop<numerical> values {0, 1}
  rasp.output %mean : !rasp.sop<numerical>
}

// CHECK: %either_keys = rasp.sequence_map "either_keys" %tokens, %indices {(1, 0) -> (1, 0), (1, 1) -> (1, 1), (2, 0) -> (2, 0), (2, 1) -> (2, 1)} : !rasp.sop<categorical> values {(1, 0), (1, 1), (2, 0), (2, 1)}
// CHECK: %either = rasp.select "either" %either_keys, %tokens {((1, 0), 1), ((1, 1), 1), ((2, 0), 2), ((2, 1), 2)}
// CHECK-NEXT: %mean = rasp.aggregate "mean" %either, %ones default 0 : !rasp.sop<numerical> values {0, 1}

// -----

// Numbers compared by lt, and a number read by a sequence_map, are read
// through categorical copies (one per numerical s-op, shared by its readers).

rasp.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2}
  %twice = rasp.map "twice" %tokens {1 -> 2, 2 -> 4} : !rasp.sop<numerical> values {2, 4}
  %less = rasp.select "less" %twice, %twice lt
  %width = rasp.selector_width "width" %less : !rasp.sop<categorical> values {0, 1, 2}
  %sum = rasp.sequence_map "sum" %twice, %tokens {(2, 1) -> 3, (2, 2) -> 4, (4, 1) -> 5, (4, 2) -> 6} : !rasp.sop<numerical> values {3, 4, 5, 6}
  %out = rasp.sequence_map "out" %width, %sum {(0, 3) -> 0, (0, 4) -> 0, (0, 5) -> 0, (0, 6) -> 0, (1, 3) -> 3, (1, 4) -> 4, (1, 5) -> 5, (1, 6) -> 6, (2, 3) -> 6, (2, 4) -> 8, (2, 5) -> 10, (2, 6) -> 12} : !rasp.sop<numerical> values {0, 3, 4, 5, 6, 8, 10, 12}
  rasp.output %out : !rasp.sop<numerical>
}

// CHECK: %twice = rasp.map "twice" %tokens {1 -> 2, 2 -> 4} : !rasp.sop<numerical> values {2, 4}
// CHECK-NEXT: %twice_categorical = rasp.map "twice_categorical" %twice {2 -> 2, 4 -> 4} : !rasp.sop<categorical> values {2, 4}
// CHECK-NEXT: %less = rasp.select "less" %twice_categorical, %twice_categorical lt
// CHECK: %sum = rasp.sequence_map "sum" %twice_categorical, %tokens {{.*}} : !rasp.sop<numerical> values {3, 4, 5, 6}
// CHECK-NEXT: %sum_categorical = rasp.map "sum_categorical" %sum {3 -> 3, 4 -> 4, 5 -> 5, 6 -> 6} : !rasp.sop<categorical> values {3, 4, 5, 6}
// CHECK-NEXT: %out = rasp.sequence_map "out" %width, %sum_categorical {{.*}}

// -----

// Numbers compared by eq stay numbers: a quadratic head reads them.

rasp.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2}
  %twice = rasp.map "twice" %tokens {1 -> 2, 2 -> 4} : !rasp.sop<numerical> values {2, 4}
  %same = rasp.select "same" %twice, %twice eq
  %width = rasp.selector_width "width" %same : !rasp.sop<categorical> values {1, 2}
  rasp.output %width : !rasp.sop<categorical>
}

// CHECK: %same = rasp.select "same" %twice, %twice eq
