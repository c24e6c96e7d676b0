// RUN: raspir-opt %s --split-input-file -p rasp-choose-encodings | filecheck %s --match-full-lines

// Choosing again changes nothing: every s-op the first run could switch is
// numerical, the rewritten relations are `eq` selects already.
// RUN: raspir-opt %s --split-input-file -p rasp-choose-encodings -o %t.once.mlir
// RUN: raspir-opt %t.once.mlir --split-input-file -p rasp-choose-encodings -o %t.twice.mlir
// RUN: diff %t.once.mlir %t.twice.mlir

// A lib program: shift_by(2) selects with the relation {(0, 2), (1, 3), ...}
// of the indices, a function of the query (query q takes key q - 2). It
// becomes `eq` against the numerical position map "select_shift_2.key":
// 2 -> 0, ..., 5 -> 3, and the queries 0 and 1, which select no key, -> -1 =
// min(keys) - 1, which no key holds. The indices are then used only as the keys
// of that `eq` select and by the map of the indices (written by the position
// embedding, which does not read the indices' directions): they become
// numerical too. The rewrite adds 2 directions (the key map and its square) and
// pays only because the 6 one-hot indices become 2: at max_seq_len 4 it would
// not (2 + 2 >= 4) and the relation stays.
// RUN: raspir ir raspir.testing.library:shift_by --vocab a,b --max-seq-len 6 | raspir-opt -p rasp-choose-encodings | filecheck %s --match-full-lines --check-prefix=SHIFT
// SHIFT: builtin.module {
// SHIFT-NEXT: rasp.program vocab {"a", "b"} max_seq_len 6 bos "compiler_bos" pad "compiler_pad" {
// SHIFT-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// SHIFT-NEXT: %indices = rasp.indices "indices" : !rasp.sop<numerical> values {0, 1, 2, 3, 4, 5}
// SHIFT-NEXT: %select_shift-2_key = rasp.map "select_shift_2.key" %indices {0 -> -1, 1 -> -1, 2 -> 0, 3 -> 1, 4 -> 2, 5 -> 3} : !rasp.sop<numerical> values {-1, 0, 1, 2, 3}
// SHIFT-NEXT: %select_shift-2 = rasp.select "select_shift_2" %indices, %select_shift-2_key eq
// SHIFT-NEXT: %shift_by-2 = rasp.aggregate "shift_by(2)" %select_shift-2, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
// SHIFT-NEXT: rasp.output %shift_by-2 : !rasp.sop<categorical>
// SHIFT-NEXT: }
// SHIFT-NEXT: }
// RUN: raspir ir raspir.testing.library:shift_by --vocab a,b --max-seq-len 4 | raspir-opt -p rasp-choose-encodings | filecheck %s --match-full-lines --check-prefix=SMALL
// SMALL: %select_shift-2 = rasp.select "select_shift_2" %indices, %indices {(0, 2), (1, 3)}

// == S-ops that become numerical ==

// A map (tens), a sequence_map (sum) and a selector_width (n), each with more
// than two values, all finite numbers, and each used only as a side of an `eq`
// select whose other side also holds only numbers: tens is both sides of
// `same`; sum is the keys and n the queries of `at`. All three switch; their
// values and tables are untouched. The tokens (read by the map, the
// sequence_map and the aggregate) and the indices (read by the sequence_map)
// stay categorical, as does the output.

rasp.program vocab {1, 2, 3} max_seq_len 4 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2, 3}
  %tens = rasp.map "tens" %tokens {1 -> 10, 2 -> 20, 3 -> 30} : !rasp.sop<categorical> values {10, 20, 30}
  %sum = rasp.sequence_map "sum" %tokens, %indices {(1, 0) -> 1, (1, 1) -> 2, (1, 2) -> 3, (1, 3) -> 4, (2, 0) -> 2, (2, 1) -> 3, (2, 2) -> 4, (2, 3) -> 5, (3, 0) -> 3, (3, 1) -> 4, (3, 2) -> 5, (3, 3) -> 6} : !rasp.sop<categorical> values {1, 2, 3, 4, 5, 6}
  %same = rasp.select "same" %tens, %tens eq
  %n = rasp.selector_width "n" %same : !rasp.sop<categorical> values {1, 2, 3, 4}
  %at = rasp.select "at" %sum, %n eq
  %pick = rasp.aggregate "pick" %at, %tokens default none : !rasp.sop<categorical> values {none, 1, 2, 3}
  rasp.output %pick : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {1, 2, 3} max_seq_len 4 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2, 3}
// CHECK-NEXT: %tens = rasp.map "tens" %tokens {1 -> 10, 2 -> 20, 3 -> 30} : !rasp.sop<numerical> values {10, 20, 30}
// CHECK-NEXT: %sum = rasp.sequence_map "sum" %tokens, %indices {(1, 0) -> 1, (1, 1) -> 2, (1, 2) -> 3, (1, 3) -> 4, (2, 0) -> 2, (2, 1) -> 3, (2, 2) -> 4, (2, 3) -> 5, (3, 0) -> 3, (3, 1) -> 4, (3, 2) -> 5, (3, 3) -> 6} : !rasp.sop<numerical> values {1, 2, 3, 4, 5, 6}
// CHECK-NEXT: %same = rasp.select "same" %tens, %tens eq
// CHECK-NEXT: %n = rasp.selector_width "n" %same : !rasp.sop<numerical> values {1, 2, 3, 4}
// CHECK-NEXT: %at = rasp.select "at" %sum, %n eq
// CHECK-NEXT: %pick = rasp.aggregate "pick" %at, %tokens default none : !rasp.sop<categorical> values {none, 1, 2, 3}
// CHECK-NEXT: rasp.output %pick : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// The indices as the keys of an `eq` select whose queries are a map of the
// tokens: both sides switch (the indices' embedding writes the number and its
// square, the lookup MLP "target" writes both through the same units).

rasp.program vocab {"a", "b", "c"} max_seq_len 4 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2, 3}
  %target = rasp.map "target" %tokens {"a" -> 0, "b" -> 1, "c" -> 3} : !rasp.sop<categorical> values {0, 1, 3}
  %at = rasp.select "at" %indices, %target eq
  %pick = rasp.aggregate "pick" %at, %tokens default none : !rasp.sop<categorical> values {none, "a", "b", "c"}
  rasp.output %pick : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b", "c"} max_seq_len 4 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<numerical> values {0, 1, 2, 3}
// CHECK-NEXT: %target = rasp.map "target" %tokens {"a" -> 0, "b" -> 1, "c" -> 3} : !rasp.sop<numerical> values {0, 1, 3}
// CHECK-NEXT: %at = rasp.select "at" %indices, %target eq
// CHECK-NEXT: %pick = rasp.aggregate "pick" %at, %tokens default none : !rasp.sop<categorical> values {none, "a", "b", "c"}
// CHECK-NEXT: rasp.output %pick : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// A numerical map or sequence_map whose only uses are as the query of `eq`
// selects is read by the lowering as a view of its inputs' numbers, so its
// inputs count as compared only. Tracr's reverse (as -O2 prunes it before
// this pass): opp_idx-1 = length - indices - 1, already numerical, is the
// query of `reverse_selector`; the indices (its other input, and the keys) and
// length (a selector width) both switch, and so opp_idx-1 needs no lookup of
// one-hot inputs.

rasp.program vocab {"a", "b"} max_seq_len 4 bos "compiler_bos" pad "compiler_pad" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2, 3}
  %all_true_selector = rasp.select "all_true_selector" %tokens, %tokens true
  %length = rasp.selector_width "length" %all_true_selector : !rasp.sop<categorical> values {1, 2, 3, 4}
  %opp_idx-1 = rasp.sequence_map "opp_idx-1" %length, %indices {(1, 0) -> 0, (1, 1) -> error, (1, 2) -> error, (1, 3) -> error, (2, 0) -> 1, (2, 1) -> 0, (2, 2) -> error, (2, 3) -> error, (3, 0) -> 2, (3, 1) -> 1, (3, 2) -> 0, (3, 3) -> error, (4, 0) -> 3, (4, 1) -> 2, (4, 2) -> 1, (4, 3) -> 0} : !rasp.sop<numerical> values {0, 1, 2, 3}
  %reverse_selector = rasp.select "reverse_selector" %indices, %opp_idx-1 eq
  %reverse = rasp.aggregate "reverse" %reverse_selector, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
  rasp.output %reverse : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 4 bos "compiler_bos" pad "compiler_pad" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<numerical> values {0, 1, 2, 3}
// CHECK-NEXT: %all_true_selector = rasp.select "all_true_selector" %tokens, %tokens true
// CHECK-NEXT: %length = rasp.selector_width "length" %all_true_selector : !rasp.sop<numerical> values {1, 2, 3, 4}
// CHECK-NEXT: %opp_idx-1 = rasp.sequence_map "opp_idx-1" %length, %indices {(1, 0) -> 0, (1, 1) -> error, (1, 2) -> error, (1, 3) -> error, (2, 0) -> 1, (2, 1) -> 0, (2, 2) -> error, (2, 3) -> error, (3, 0) -> 2, (3, 1) -> 1, (3, 2) -> 0, (3, 3) -> error, (4, 0) -> 3, (4, 1) -> 2, (4, 2) -> 1, (4, 3) -> 0} : !rasp.sop<numerical> values {0, 1, 2, 3}
// CHECK-NEXT: %reverse_selector = rasp.select "reverse_selector" %indices, %opp_idx-1 eq
// CHECK-NEXT: %reverse = rasp.aggregate "reverse" %reverse_selector, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
// CHECK-NEXT: rasp.output %reverse : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// == S-ops that stay categorical ==

// Used by an op other than a select: tens is also the input of the map
// "plus", and n (a selector width of `eq`, otherwise a candidate) the input
// of a sequence_map. Neither switches.

rasp.program vocab {1, 2, 3} max_seq_len 4 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3}
  %tens = rasp.map "tens" %tokens {1 -> 10, 2 -> 20, 3 -> 30} : !rasp.sop<categorical> values {10, 20, 30}
  %same = rasp.select "same" %tens, %tens eq
  %n = rasp.selector_width "n" %same : !rasp.sop<categorical> values {1, 2, 3, 4}
  %plus = rasp.map "plus" %tens {10 -> 11, 20 -> 21, 30 -> 31} : !rasp.sop<categorical> values {11, 21, 31}
  %both = rasp.sequence_map "both" %n, %plus {(1, 11) -> 1, (1, 21) -> 2, (1, 31) -> 3, (2, 11) -> 4, (2, 21) -> 5, (2, 31) -> 6, (3, 11) -> 7, (3, 21) -> 8, (3, 31) -> 9, (4, 11) -> 10, (4, 21) -> 11, (4, 31) -> 12} : !rasp.sop<categorical> values {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
  rasp.output %both : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {1, 2, 3} max_seq_len 4 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3}
// CHECK-NEXT: %tens = rasp.map "tens" %tokens {1 -> 10, 2 -> 20, 3 -> 30} : !rasp.sop<categorical> values {10, 20, 30}
// CHECK-NEXT: %same = rasp.select "same" %tens, %tens eq
// CHECK-NEXT: %n = rasp.selector_width "n" %same : !rasp.sop<categorical> values {1, 2, 3, 4}
// CHECK-NEXT: %plus = rasp.map "plus" %tens {10 -> 11, 20 -> 21, 30 -> 31} : !rasp.sop<categorical> values {11, 21, 31}
// CHECK-NEXT: %both = rasp.sequence_map "both" %n, %plus {(1, 11) -> 1, (1, 21) -> 2, (1, 31) -> 3, (2, 11) -> 4, (2, 21) -> 5, (2, 31) -> 6, (3, 11) -> 7, (3, 21) -> 8, (3, 31) -> 9, (4, 11) -> 10, (4, 21) -> 11, (4, 31) -> 12} : !rasp.sop<categorical> values {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
// CHECK-NEXT: rasp.output %both : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// Compared by `lt`: a quadratic score only tells equal from unequal, so tens
// stays categorical.

rasp.program vocab {1, 2, 3} max_seq_len 4 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3}
  %tens = rasp.map "tens" %tokens {1 -> 10, 2 -> 20, 3 -> 30} : !rasp.sop<categorical> values {10, 20, 30}
  %before = rasp.select "before" %tens, %tens lt
  %pick = rasp.aggregate "pick" %before, %tokens default none : !rasp.sop<categorical> values {none, 1, 2, 3}
  rasp.output %pick : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {1, 2, 3} max_seq_len 4 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3}
// CHECK-NEXT: %tens = rasp.map "tens" %tokens {1 -> 10, 2 -> 20, 3 -> 30} : !rasp.sop<categorical> values {10, 20, 30}
// CHECK-NEXT: %before = rasp.select "before" %tens, %tens lt
// CHECK-NEXT: %pick = rasp.aggregate "pick" %before, %tokens default none : !rasp.sop<categorical> values {none, 1, 2, 3}
// CHECK-NEXT: rasp.output %pick : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// Value sets that are not all finite numbers, or too small, each compared
// only by `eq` with itself: with None (the zero vector of a one-hot, no
// number), with a boolean (false is not the number 0 here), with a string,
// and with only two values (two one-hot directions cost no more than the
// number and its square). None of the four switches.

rasp.program vocab {1, 2, 3, 4} max_seq_len 4 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3, 4}
  %with_none = rasp.map "with_none" %tokens {1 -> 10, 2 -> 20, 3 -> 30, 4 -> none} : !rasp.sop<categorical> values {none, 10, 20, 30}
  %with_bool = rasp.map "with_bool" %tokens {1 -> false, 2 -> 20, 3 -> 30, 4 -> 40} : !rasp.sop<categorical> values {false, 20, 30, 40}
  %with_string = rasp.map "with_string" %tokens {1 -> 10, 2 -> 20, 3 -> 30, 4 -> "forty"} : !rasp.sop<categorical> values {10, 20, 30, "forty"}
  %two = rasp.map "two" %tokens {1 -> 10, 2 -> 20, 3 -> 10, 4 -> 20} : !rasp.sop<categorical> values {10, 20}
  %s1 = rasp.select "s1" %with_none, %with_none eq
  %s2 = rasp.select "s2" %with_bool, %with_bool eq
  %s3 = rasp.select "s3" %with_string, %with_string eq
  %s4 = rasp.select "s4" %two, %two eq
  %a1 = rasp.aggregate "a1" %s1, %tokens default none : !rasp.sop<categorical> values {none, 1, 2, 3, 4}
  %a2 = rasp.aggregate "a2" %s2, %a1 default none : !rasp.sop<categorical> values {none, 1, 2, 3, 4}
  %a3 = rasp.aggregate "a3" %s3, %a2 default none : !rasp.sop<categorical> values {none, 1, 2, 3, 4}
  %a4 = rasp.aggregate "a4" %s4, %a3 default none : !rasp.sop<categorical> values {none, 1, 2, 3, 4}
  rasp.output %a4 : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {1, 2, 3, 4} max_seq_len 4 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3, 4}
// CHECK-NEXT: %with_none = rasp.map "with_none" %tokens {1 -> 10, 2 -> 20, 3 -> 30, 4 -> none} : !rasp.sop<categorical> values {none, 10, 20, 30}
// CHECK-NEXT: %with_bool = rasp.map "with_bool" %tokens {1 -> false, 2 -> 20, 3 -> 30, 4 -> 40} : !rasp.sop<categorical> values {false, 20, 30, 40}
// CHECK-NEXT: %with_string = rasp.map "with_string" %tokens {1 -> 10, 2 -> 20, 3 -> 30, 4 -> "forty"} : !rasp.sop<categorical> values {10, 20, 30, "forty"}
// CHECK-NEXT: %two = rasp.map "two" %tokens {1 -> 10, 2 -> 20, 3 -> 10, 4 -> 20} : !rasp.sop<categorical> values {10, 20}
// CHECK-NEXT: %s1 = rasp.select "s1" %with_none, %with_none eq
// CHECK-NEXT: %s2 = rasp.select "s2" %with_bool, %with_bool eq
// CHECK-NEXT: %s3 = rasp.select "s3" %with_string, %with_string eq
// CHECK-NEXT: %s4 = rasp.select "s4" %two, %two eq
// CHECK-NEXT: %a1 = rasp.aggregate "a1" %s1, %tokens default none : !rasp.sop<categorical> values {none, 1, 2, 3, 4}
// CHECK-NEXT: %a2 = rasp.aggregate "a2" %s2, %a1 default none : !rasp.sop<categorical> values {none, 1, 2, 3, 4}
// CHECK-NEXT: %a3 = rasp.aggregate "a3" %s3, %a2 default none : !rasp.sop<categorical> values {none, 1, 2, 3, 4}
// CHECK-NEXT: %a4 = rasp.aggregate "a4" %s4, %a3 default none : !rasp.sop<categorical> values {none, 1, 2, 3, 4}
// CHECK-NEXT: rasp.output %a4 : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// The other side of the `eq` must hold numbers too: code (1, 2, 3) is
// compared with the string tokens, which cannot be scored quadratically.

rasp.program vocab {"a", "b", "c"} max_seq_len 4 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
  %code = rasp.map "code" %tokens {"a" -> 1, "b" -> 2, "c" -> 3} : !rasp.sop<categorical> values {1, 2, 3}
  %s = rasp.select "s" %code, %tokens eq
  %pick = rasp.aggregate "pick" %s, %tokens default none : !rasp.sop<categorical> values {none, "a", "b", "c"}
  rasp.output %pick : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b", "c"} max_seq_len 4 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
// CHECK-NEXT: %code = rasp.map "code" %tokens {"a" -> 1, "b" -> 2, "c" -> 3} : !rasp.sop<categorical> values {1, 2, 3}
// CHECK-NEXT: %s = rasp.select "s" %code, %tokens eq
// CHECK-NEXT: %pick = rasp.aggregate "pick" %s, %tokens default none : !rasp.sop<categorical> values {none, "a", "b", "c"}
// CHECK-NEXT: rasp.output %pick : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// The program's output keeps the encoding the user chose (the unembedding
// decodes it): n is a selector width of numbers, but it is the output. tens,
// compared only by `eq`, switches; the string tokens cannot.

rasp.program vocab {"a", "b", "c"} max_seq_len 4 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
  %tens = rasp.map "tens" %tokens {"a" -> 10, "b" -> 20, "c" -> 30} : !rasp.sop<categorical> values {10, 20, 30}
  %same = rasp.select "same" %tens, %tens eq
  %n = rasp.selector_width "n" %same : !rasp.sop<categorical> values {1, 2, 3, 4}
  rasp.output %n : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b", "c"} max_seq_len 4 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
// CHECK-NEXT: %tens = rasp.map "tens" %tokens {"a" -> 10, "b" -> 20, "c" -> 30} : !rasp.sop<numerical> values {10, 20, 30}
// CHECK-NEXT: %same = rasp.select "same" %tens, %tens eq
// CHECK-NEXT: %n = rasp.selector_width "n" %same : !rasp.sop<categorical> values {1, 2, 3, 4}
// CHECK-NEXT: rasp.output %n : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// A switch that would stop the lowering from certifying the program is not
// made. far is a count fused with a map (a discretising MLP, whose output
// leaks into every entry) with values up to 6e6 against a gap of 1: a
// quadratic score weighs that noise by (2·6e6·6e6 + ...)/1, far more than
// any sharpness can absorb (convert-rasp-to-sa rejects the numerical version:
// "its value carries noise up to 3.21 in float32, more than the 2.6e-09 its
// consumers tolerate"). The one-hot version lowers, so far stays categorical.

rasp.program vocab {1, 2, 3} max_seq_len 8 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3}
  %same = rasp.select "same" %tokens, %tokens eq
  %n = rasp.selector_width "n" %same : !rasp.sop<categorical> values {1, 2, 3, 4, 5, 6, 7, 8}
  %far = rasp.map "far" %n {1 -> 0, 2 -> 1, 3 -> 1000000, 4 -> 2000000, 5 -> 3000000, 6 -> 4000000, 7 -> 5000000, 8 -> 6000000} : !rasp.sop<categorical> values {0, 1, 1000000, 2000000, 3000000, 4000000, 5000000, 6000000}
  %eqfar = rasp.select "eqfar" %far, %far eq
  %pick = rasp.aggregate "pick" %eqfar, %tokens default none : !rasp.sop<categorical> values {none, 1, 2, 3}
  rasp.output %pick : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {1, 2, 3} max_seq_len 8 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3}
// CHECK-NEXT: %same = rasp.select "same" %tokens, %tokens eq
// CHECK-NEXT: %n = rasp.selector_width "n" %same : !rasp.sop<categorical> values {1, 2, 3, 4, 5, 6, 7, 8}
// CHECK-NEXT: %far = rasp.map "far" %n {1 -> 0, 2 -> 1, 3 -> 1000000, 4 -> 2000000, 5 -> 3000000, 6 -> 4000000, 7 -> 5000000, 8 -> 6000000} : !rasp.sop<categorical> values {0, 1, 1000000, 2000000, 3000000, 4000000, 5000000, 6000000}
// CHECK-NEXT: %eqfar = rasp.select "eqfar" %far, %far eq
// CHECK-NEXT: %pick = rasp.aggregate "pick" %eqfar, %tokens default none : !rasp.sop<categorical> values {none, 1, 2, 3}
// CHECK-NEXT: rasp.output %pick : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// == Relations of the indices ==

// A relation with the indices as queries that selects at most one key per
// query is a function q -> key(q): `back` takes key q - 1 for the queries 2, 3
// and 4. It becomes `select keys, back.key eq` (same label, same result name),
// back.key a numerical map of the indices (a position map, with the name hint
// back_key) with 2 -> 1, 3 -> 2, 4 -> 3; the queries 0 and 1 select no key
// and map to min(keys) - 1 = -1 (the keys are the indices 0..4), which no key
// holds, so they still select nothing. The indices, now used only as the keys
// of an `eq` select and by that map, become numerical.

rasp.program vocab {"a", "b"} max_seq_len 5 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2, 3, 4}
  %back = rasp.select "back" %indices, %indices {(1, 2), (2, 3), (3, 4)}
  %prev = rasp.aggregate "prev" %back, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
  rasp.output %prev : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 5 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<numerical> values {0, 1, 2, 3, 4}
// CHECK-NEXT: %back_key = rasp.map "back.key" %indices {0 -> -1, 1 -> -1, 2 -> 1, 3 -> 2, 4 -> 3} : !rasp.sop<numerical> values {-1, 1, 2, 3}
// CHECK-NEXT: %back = rasp.select "back" %indices, %back_key eq
// CHECK-NEXT: %prev = rasp.aggregate "prev" %back, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
// CHECK-NEXT: rasp.output %prev : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// The keys need not be the indices, only numbers: `find` pairs the token keys
// 3, 1, 2 with the queries 0, 1, 3. The map sends 0 -> 3, 1 -> 1, 3 -> 2 and
// the queries 2 and 4, which select nothing, to min(1, 2, 3) - 1 = 0. The
// tokens are also the aggregated values and stay categorical: the head will be
// quadratic with a numerical query and one-hot keys. The indices, read only by
// the new map, switch too (the position embedding writes the map without them).

rasp.program vocab {1, 2, 3} max_seq_len 5 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2, 3, 4}
  %find = rasp.select "find" %tokens, %indices {(3, 0), (1, 1), (2, 3)}
  %pos = rasp.aggregate "pos" %find, %tokens default none : !rasp.sop<categorical> values {none, 1, 2, 3}
  rasp.output %pos : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {1, 2, 3} max_seq_len 5 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<numerical> values {0, 1, 2, 3, 4}
// CHECK-NEXT: %find_key = rasp.map "find.key" %indices {0 -> 3, 1 -> 1, 2 -> 0, 3 -> 2, 4 -> 0} : !rasp.sop<numerical> values {0, 1, 2, 3}
// CHECK-NEXT: %find = rasp.select "find" %tokens, %find_key eq
// CHECK-NEXT: %pos = rasp.aggregate "pos" %find, %tokens default none : !rasp.sop<categorical> values {none, 1, 2, 3}
// CHECK-NEXT: rasp.output %pos : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// Not a function of the query: `near` selects the keys 0 and 1 for the query
// 1, which no single key value can express. The relation is left alone, and
// the indices, read by a relation, stay categorical.

rasp.program vocab {"a", "b"} max_seq_len 4 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2, 3}
  %near = rasp.select "near" %indices, %indices {(0, 1), (1, 1), (2, 3)}
  %n = rasp.selector_width "n" %near : !rasp.sop<categorical> values {0, 1, 2}
  rasp.output %n : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 4 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2, 3}
// CHECK-NEXT: %near = rasp.select "near" %indices, %indices {(0, 1), (1, 1), (2, 3)}
// CHECK-NEXT: %n = rasp.selector_width "n" %near : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: rasp.output %n : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// A functional relation whose queries are not the indices (here the tokens)
// is left alone: only a map of the indices is free (a position map), a map of
// the tokens would cost an MLP.

rasp.program vocab {1, 2, 3} max_seq_len 4 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2, 3}
  %rel = rasp.select "rel" %indices, %tokens {(0, 1), (1, 2), (2, 3)}
  %pick = rasp.aggregate "pick" %rel, %tokens default none : !rasp.sop<categorical> values {none, 1, 2, 3}
  rasp.output %pick : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {1, 2, 3} max_seq_len 4 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2, 3}
// CHECK-NEXT: %rel = rasp.select "rel" %indices, %tokens {(0, 1), (1, 2), (2, 3)}
// CHECK-NEXT: %pick = rasp.aggregate "pick" %rel, %tokens default none : !rasp.sop<categorical> values {none, 1, 2, 3}
// CHECK-NEXT: rasp.output %pick : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// A program the lowering cannot certify anyway (select_and is not compiled
// yet): relations are not rewritten (`back` stays a relation), but candidates
// switch without the lowering check, since there is no certified program to
// keep: tens becomes numerical.

rasp.program vocab {1, 2, 3} max_seq_len 4 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2, 3}
  %tens = rasp.map "tens" %tokens {1 -> 10, 2 -> 20, 3 -> 30} : !rasp.sop<categorical> values {10, 20, 30}
  %same = rasp.select "same" %tens, %tens eq
  %back = rasp.select "back" %tokens, %indices {(1, 1), (2, 2), (3, 3)}
  %both = rasp.select_and "both" %same, %back
  %pick = rasp.aggregate "pick" %both, %tokens default none : !rasp.sop<categorical> values {none, 1, 2, 3}
  rasp.output %pick : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {1, 2, 3} max_seq_len 4 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2, 3}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2, 3}
// CHECK-NEXT: %tens = rasp.map "tens" %tokens {1 -> 10, 2 -> 20, 3 -> 30} : !rasp.sop<numerical> values {10, 20, 30}
// CHECK-NEXT: %same = rasp.select "same" %tens, %tens eq
// CHECK-NEXT: %back = rasp.select "back" %tokens, %indices {(1, 1), (2, 2), (3, 3)}
// CHECK-NEXT: %both = rasp.select_and "both" %same, %back
// CHECK-NEXT: %pick = rasp.aggregate "pick" %both, %tokens default none : !rasp.sop<categorical> values {none, 1, 2, 3}
// CHECK-NEXT: rasp.output %pick : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }
