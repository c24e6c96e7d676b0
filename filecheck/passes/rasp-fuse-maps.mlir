// RUN: raspir-opt %s --split-input-file -p rasp-fuse-maps | filecheck %s --match-full-lines

// A chain of tabulated ops becomes one table over the first op's inputs. The
// outer op survives with its label, name, encoding and value set; the inner op
// goes once nothing else reads it. The tables below were composed by hand.

// Fusing again changes nothing.
// RUN: raspir-opt %s --split-input-file -p rasp-fuse-maps -o %t.once.mlir
// RUN: raspir-opt %t.once.mlir --split-input-file -p rasp-fuse-maps -o %t.twice.mlir
// RUN: diff %t.once.mlir %t.twice.mlir

// Tracr's reverse, as imported: opp_idx-1 = opp_idx - 1 over opp_idx =
// length - indices becomes one sequence_map "opp_idx-1" of (length, indices)
// giving length - indices - 1; the map's layer goes.
// RUN: raspir ir raspir.testing.library:reverse --vocab a,b --max-seq-len 3 | raspir-opt -p rasp-fuse-maps | filecheck %s --match-full-lines --check-prefix=REVERSE

// REVERSE: builtin.module {
// REVERSE-NEXT: rasp.program vocab {"a", "b"} max_seq_len 3 bos "compiler_bos" pad "compiler_pad" {
// REVERSE-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// REVERSE-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// REVERSE-NEXT: %all_true_selector = rasp.select "all_true_selector" %tokens, %tokens true
// REVERSE-NEXT: %length = rasp.selector_width "length" %all_true_selector : !rasp.sop<categorical> values {0, 1, 2, 3}
// REVERSE-NEXT: %opp_idx-1 = rasp.sequence_map "opp_idx-1" %length, %indices {(0, 0) -> -1, (0, 1) -> -2, (0, 2) -> -3, (1, 0) -> 0, (1, 1) -> -1, (1, 2) -> -2, (2, 0) -> 1, (2, 1) -> 0, (2, 2) -> -1, (3, 0) -> 2, (3, 1) -> 1, (3, 2) -> 0} : !rasp.sop<categorical> values {-3, -2, -1, 0, 1, 2}
// REVERSE-NEXT: %reverse_selector = rasp.select "reverse_selector" %indices, %opp_idx-1 eq
// REVERSE-NEXT: %reverse = rasp.aggregate "reverse" %reverse_selector, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
// REVERSE-NEXT: rasp.output %reverse : !rasp.sop<categorical>
// REVERSE-NEXT: }
// REVERSE-NEXT: }

// map g (map f x) -> map (g . f) x: a -> 1 -> "x", b -> 2 -> "y", c -> 1 -> "x".

rasp.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
  %f = rasp.map "f" %tokens {"a" -> 1, "b" -> 2, "c" -> 1} : !rasp.sop<categorical> values {1, 2}
  %g = rasp.map "g" %f {1 -> "x", 2 -> "y"} : !rasp.sop<categorical> values {"x", "y"}
  rasp.output %g : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
// CHECK-NEXT: %g = rasp.map "g" %tokens {"a" -> "x", "b" -> "y", "c" -> "x"} : !rasp.sop<categorical> values {"x", "y"}
// CHECK-NEXT: rasp.output %g : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// A numerical input and a numerical output around a categorical middle: the
// fused map reads the numerical aggregate and keeps score's numerical encoding
// (0 and 0.0, 1 and 1.0 are different keys). is_a is read by the aggregate,
// which absorbs nothing.

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %is_a = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1}
  %all = rasp.select "all" %tokens, %tokens true
  %frac = rasp.aggregate "frac" %all, %is_a default 0 : !rasp.sop<numerical> values {0, 0.0, 0.5, 1, 1.0}
  %bucket = rasp.map "bucket" %frac {0 -> "none", 0.0 -> "none", 0.5 -> "some", 1 -> "all", 1.0 -> "all"} : !rasp.sop<categorical> values {"all", "none", "some"}
  %score = rasp.map "score" %bucket {"all" -> 10, "none" -> 0, "some" -> 5} : !rasp.sop<numerical> values {0, 5, 10}
  rasp.output %score : !rasp.sop<numerical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %is_a = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1}
// CHECK-NEXT: %all = rasp.select "all" %tokens, %tokens true
// CHECK-NEXT: %frac = rasp.aggregate "frac" %all, %is_a default 0 : !rasp.sop<numerical> values {0, 0.0, 0.5, 1, 1.0}
// CHECK-NEXT: %score = rasp.map "score" %frac {0 -> 0, 0.0 -> 0, 0.5 -> 5, 1 -> 10, 1.0 -> 10} : !rasp.sop<numerical> values {0, 5, 10}
// CHECK-NEXT: rasp.output %score : !rasp.sop<numerical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// map g (sequence_map f x y) -> sequence_map (g . f) x y, labelled "parity".

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %sum = rasp.sequence_map "sum" %tokens, %indices {("a", 0) -> 0, ("a", 1) -> 1, ("a", 2) -> 2, ("b", 0) -> 1, ("b", 1) -> 2, ("b", 2) -> 3} : !rasp.sop<categorical> values {0, 1, 2, 3}
  %parity = rasp.map "parity" %sum {0 -> "even", 1 -> "odd", 2 -> "even", 3 -> "odd"} : !rasp.sop<categorical> values {"even", "odd"}
  rasp.output %parity : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %parity = rasp.sequence_map "parity" %tokens, %indices {("a", 0) -> "even", ("a", 1) -> "odd", ("a", 2) -> "even", ("b", 0) -> "odd", ("b", 1) -> "even", ("b", 2) -> "odd"} : !rasp.sop<categorical> values {"even", "odd"}
// CHECK-NEXT: rasp.output %parity : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// A linear_sequence_map of two categorical s-ops is a table too: the map over
// opp = length - indices becomes a sequence_map giving length - indices - 1.

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %length = rasp.length "length" : !rasp.sop<categorical> values {1, 2, 3}
  %opp = rasp.linear_sequence_map "opp" %length, %indices factors 1, -1 : !rasp.sop<categorical> values {-1, 0, 1, 2, 3}
  %last = rasp.map "last" %opp {-1 -> -2, 0 -> -1, 1 -> 0, 2 -> 1, 3 -> 2} : !rasp.sop<categorical> values {-2, -1, 0, 1, 2}
  rasp.output %last : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %length = rasp.length "length" : !rasp.sop<categorical> values {1, 2, 3}
// CHECK-NEXT: %last = rasp.sequence_map "last" %length, %indices {(1, 0) -> 0, (1, 1) -> -1, (1, 2) -> -2, (2, 0) -> 1, (2, 1) -> 0, (2, 2) -> -1, (3, 0) -> 2, (3, 1) -> 1, (3, 2) -> 0} : !rasp.sop<categorical> values {-2, -1, 0, 1, 2}
// CHECK-NEXT: rasp.output %last : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// sequence_map g (map f x) y -> sequence_map (g(f(x), y)) x y: the table grows
// to the rows of x ("b" and "c" get the same row).

rasp.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %vowel = rasp.map "vowel" %tokens {"a" -> true, "b" -> false, "c" -> false} : !rasp.sop<categorical> values {false, true}
  %tag = rasp.sequence_map "tag" %vowel, %indices {(false, 0) -> "c0", (false, 1) -> "c1", (false, 2) -> "c2", (true, 0) -> "v0", (true, 1) -> "v1", (true, 2) -> "v2"} : !rasp.sop<categorical> values {"c0", "c1", "c2", "v0", "v1", "v2"}
  rasp.output %tag : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %tag = rasp.sequence_map "tag" %tokens, %indices {("a", 0) -> "v0", ("a", 1) -> "v1", ("a", 2) -> "v2", ("b", 0) -> "c0", ("b", 1) -> "c1", ("b", 2) -> "c2", ("c", 0) -> "c0", ("c", 1) -> "c1", ("c", 2) -> "c2"} : !rasp.sop<categorical> values {"c0", "c1", "c2", "v0", "v1", "v2"}
// CHECK-NEXT: rasp.output %tag : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// A map on both sides, one of them of the indices: code(vowel(t), even(i)).
// The map of the tokens is absorbed; the map of the indices is not, since
// the position embedding writes it for free and it has fewer values than the
// indices (2 directions instead of 3).

rasp.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %vowel = rasp.map "vowel" %tokens {"a" -> true, "b" -> false, "c" -> false} : !rasp.sop<categorical> values {false, true}
  %even = rasp.map "even" %indices {0 -> true, 1 -> false, 2 -> true} : !rasp.sop<categorical> values {false, true}
  %code = rasp.sequence_map "code" %vowel, %even {(false, false) -> 0, (false, true) -> 1, (true, false) -> 2, (true, true) -> 3} : !rasp.sop<categorical> values {0, 1, 2, 3}
  rasp.output %code : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %even = rasp.map "even" %indices {0 -> true, 1 -> false, 2 -> true} : !rasp.sop<categorical> values {false, true}
// CHECK-NEXT: %code = rasp.sequence_map "code" %tokens, %even {("a", false) -> 2, ("a", true) -> 3, ("b", false) -> 0, ("b", true) -> 1, ("c", false) -> 0, ("c", true) -> 1} : !rasp.sop<categorical> values {0, 1, 2, 3}
// CHECK-NEXT: rasp.output %code : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// A categorical linear_sequence_map absorbs a map too, and becomes a
// sequence_map: key = 3 * rank(t) + i.

rasp.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %rank = rasp.map "rank" %tokens {"a" -> 1, "b" -> 2, "c" -> 3} : !rasp.sop<categorical> values {1, 2, 3}
  %key = rasp.linear_sequence_map "key" %rank, %indices factors 3, 1 : !rasp.sop<categorical> values {3, 4, 5, 6, 7, 8, 9, 10, 11}
  rasp.output %key : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %key = rasp.sequence_map "key" %tokens, %indices {("a", 0) -> 3, ("a", 1) -> 4, ("a", 2) -> 5, ("b", 0) -> 6, ("b", 1) -> 7, ("b", 2) -> 8, ("c", 0) -> 9, ("c", 1) -> 10, ("c", 2) -> 11} : !rasp.sop<categorical> values {3, 4, 5, 6, 7, 8, 9, 10, 11}
// CHECK-NEXT: rasp.output %key : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// The same map on both sides: both uses absorb it, and the sequence_map reads
// the tokens twice (canonicalize then turns it into a map).

rasp.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
  %vowel = rasp.map "vowel" %tokens {"a" -> true, "b" -> false, "c" -> false} : !rasp.sop<categorical> values {false, true}
  %both = rasp.sequence_map "both" %vowel, %vowel {(false, false) -> 0, (false, true) -> 1, (true, false) -> 2, (true, true) -> 3} : !rasp.sop<categorical> values {0, 1, 2, 3}
  rasp.output %both : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
// CHECK-NEXT: %both = rasp.sequence_map "both" %tokens, %tokens {("a", "a") -> 3, ("a", "b") -> 2, ("a", "c") -> 2, ("b", "a") -> 1, ("b", "b") -> 0, ("b", "c") -> 0, ("c", "a") -> 1, ("c", "b") -> 0, ("c", "c") -> 0} : !rasp.sop<categorical> values {0, 1, 2, 3}
// CHECK-NEXT: rasp.output %both : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// An inner map with two users that both absorb it: each gets its own composed
// table and f disappears.

rasp.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
  %f = rasp.map "f" %tokens {"a" -> 0, "b" -> 1, "c" -> 2} : !rasp.sop<categorical> values {0, 1, 2}
  %up = rasp.map "up" %f {0 -> 1, 1 -> 2, 2 -> 0} : !rasp.sop<categorical> values {0, 1, 2}
  %down = rasp.map "down" %f {0 -> 2, 1 -> 0, 2 -> 1} : !rasp.sop<categorical> values {0, 1, 2}
  %near = rasp.select "near" %up, %down eq
  %w = rasp.selector_width "w" %near : !rasp.sop<categorical> values {0, 1, 2, 3}
  rasp.output %w : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
// CHECK-NEXT: %up = rasp.map "up" %tokens {"a" -> 1, "b" -> 2, "c" -> 0} : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %down = rasp.map "down" %tokens {"a" -> 2, "b" -> 0, "c" -> 1} : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %near = rasp.select "near" %up, %down eq
// CHECK-NEXT: %w = rasp.selector_width "w" %near : !rasp.sop<categorical> values {0, 1, 2, 3}
// CHECK-NEXT: rasp.output %w : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// The two users may be of different kinds: a map and a sequence_map.

rasp.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %f = rasp.map "f" %tokens {"a" -> 0, "b" -> 1, "c" -> 2} : !rasp.sop<categorical> values {0, 1, 2}
  %up = rasp.map "up" %f {0 -> 1, 1 -> 2, 2 -> 0} : !rasp.sop<categorical> values {0, 1, 2}
  %tag = rasp.sequence_map "tag" %f, %indices {(0, 0) -> true, (0, 1) -> false, (0, 2) -> false, (1, 0) -> false, (1, 1) -> true, (1, 2) -> false, (2, 0) -> false, (2, 1) -> false, (2, 2) -> true} : !rasp.sop<categorical> values {false, true}
  %sel = rasp.select "sel" %tag, %tag eq
  %pick = rasp.aggregate "pick" %sel, %up default none : !rasp.sop<categorical> values {none, 0, 1, 2}
  rasp.output %pick : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %up = rasp.map "up" %tokens {"a" -> 1, "b" -> 2, "c" -> 0} : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %tag = rasp.sequence_map "tag" %tokens, %indices {("a", 0) -> true, ("a", 1) -> false, ("a", 2) -> false, ("b", 0) -> false, ("b", 1) -> true, ("b", 2) -> false, ("c", 0) -> false, ("c", 1) -> false, ("c", 2) -> true} : !rasp.sop<categorical> values {false, true}
// CHECK-NEXT: %sel = rasp.select "sel" %tag, %tag eq
// CHECK-NEXT: %pick = rasp.aggregate "pick" %sel, %up default none : !rasp.sop<categorical> values {none, 0, 1, 2}
// CHECK-NEXT: rasp.output %pick : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// f is also read by a select, which cannot absorb it: fusing it into up would
// compute it twice, so nothing changes (nor is up absorbed by the aggregate).

rasp.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
  %f = rasp.map "f" %tokens {"a" -> 0, "b" -> 1, "c" -> 2} : !rasp.sop<categorical> values {0, 1, 2}
  %up = rasp.map "up" %f {0 -> 1, 1 -> 2, 2 -> 0} : !rasp.sop<categorical> values {0, 1, 2}
  %same = rasp.select "same" %f, %f eq
  %pick = rasp.aggregate "pick" %same, %up default none : !rasp.sop<categorical> values {none, 0, 1, 2}
  rasp.output %pick : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
// CHECK-NEXT: %f = rasp.map "f" %tokens {"a" -> 0, "b" -> 1, "c" -> 2} : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %up = rasp.map "up" %f {0 -> 1, 1 -> 2, 2 -> 0} : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %same = rasp.select "same" %f, %f eq
// CHECK-NEXT: %pick = rasp.aggregate "pick" %same, %up default none : !rasp.sop<categorical> values {none, 0, 1, 2}
// CHECK-NEXT: rasp.output %pick : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// An inner sequence_map with two users is not copied into both: nothing
// changes.

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %sum = rasp.sequence_map "sum" %tokens, %indices {("a", 0) -> 0, ("a", 1) -> 1, ("a", 2) -> 2, ("b", 0) -> 1, ("b", 1) -> 2, ("b", 2) -> 3} : !rasp.sop<categorical> values {0, 1, 2, 3}
  %even = rasp.map "even" %sum {0 -> true, 1 -> false, 2 -> true, 3 -> false} : !rasp.sop<categorical> values {false, true}
  %small = rasp.map "small" %sum {0 -> true, 1 -> true, 2 -> false, 3 -> false} : !rasp.sop<categorical> values {false, true}
  %both = rasp.select "both" %even, %small eq
  %w = rasp.selector_width "w" %both : !rasp.sop<categorical> values {0, 1, 2, 3}
  rasp.output %w : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %sum = rasp.sequence_map "sum" %tokens, %indices {("a", 0) -> 0, ("a", 1) -> 1, ("a", 2) -> 2, ("b", 0) -> 1, ("b", 1) -> 2, ("b", 2) -> 3} : !rasp.sop<categorical> values {0, 1, 2, 3}
// CHECK-NEXT: %even = rasp.map "even" %sum {0 -> true, 1 -> false, 2 -> true, 3 -> false} : !rasp.sop<categorical> values {false, true}
// CHECK-NEXT: %small = rasp.map "small" %sum {0 -> true, 1 -> true, 2 -> false, 3 -> false} : !rasp.sop<categorical> values {false, true}
// CHECK-NEXT: %both = rasp.select "both" %even, %small eq
// CHECK-NEXT: %w = rasp.selector_width "w" %both : !rasp.sop<categorical> values {0, 1, 2, 3}
// CHECK-NEXT: rasp.output %w : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// The output's operand is never absorbed, even into a map that would
// otherwise take it (here a dead one, which dce removes).

rasp.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
  %f = rasp.map "f" %tokens {"a" -> 0, "b" -> 1, "c" -> 2} : !rasp.sop<categorical> values {0, 1, 2}
  %up = rasp.map "up" %f {0 -> 1, 1 -> 2, 2 -> 0} : !rasp.sop<categorical> values {0, 1, 2}
  rasp.output %f : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
// CHECK-NEXT: %f = rasp.map "f" %tokens {"a" -> 0, "b" -> 1, "c" -> 2} : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %up = rasp.map "up" %f {0 -> 1, 1 -> 2, 2 -> 0} : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: rasp.output %f : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// A map of a numerical s-op is not absorbed by a sequence_map: the fused
// sequence_map would read a numerical s-op, which has no construction.

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %is_a = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1}
  %all = rasp.select "all" %tokens, %tokens true
  %frac = rasp.aggregate "frac" %all, %is_a default 0 : !rasp.sop<numerical> values {0, 0.0, 0.5, 1, 1.0}
  %most = rasp.map "most" %frac {0 -> false, 0.0 -> false, 0.5 -> false, 1 -> true, 1.0 -> true} : !rasp.sop<categorical> values {false, true}
  %tag = rasp.sequence_map "tag" %most, %tokens {(false, "a") -> "a", (false, "b") -> "b", (true, "a") -> "A", (true, "b") -> "B"} : !rasp.sop<categorical> values {"A", "B", "a", "b"}
  rasp.output %tag : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %is_a = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1}
// CHECK-NEXT: %all = rasp.select "all" %tokens, %tokens true
// CHECK-NEXT: %frac = rasp.aggregate "frac" %all, %is_a default 0 : !rasp.sop<numerical> values {0, 0.0, 0.5, 1, 1.0}
// CHECK-NEXT: %most = rasp.map "most" %frac {0 -> false, 0.0 -> false, 0.5 -> false, 1 -> true, 1.0 -> true} : !rasp.sop<categorical> values {false, true}
// CHECK-NEXT: %tag = rasp.sequence_map "tag" %most, %tokens {(false, "a") -> "a", (false, "b") -> "b", (true, "a") -> "A", (true, "b") -> "B"} : !rasp.sop<categorical> values {"A", "B", "a", "b"}
// CHECK-NEXT: rasp.output %tag : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// A linear_sequence_map of numerical s-ops is no table (it is lowered as a
// linear map): the map over it stays.

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %is_a = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1}
  %twice = rasp.linear_sequence_map "twice" %is_a, %is_a factors 1, 1 : !rasp.sop<numerical> values {0, 1, 2}
  %big = rasp.map "big" %twice {0 -> false, 1 -> false, 2 -> true} : !rasp.sop<categorical> values {false, true}
  rasp.output %big : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %is_a = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1}
// CHECK-NEXT: %twice = rasp.linear_sequence_map "twice" %is_a, %is_a factors 1, 1 : !rasp.sop<numerical> values {0, 1, 2}
// CHECK-NEXT: %big = rasp.map "big" %twice {0 -> false, 1 -> false, 2 -> true} : !rasp.sop<categorical> values {false, true}
// CHECK-NEXT: rasp.output %big : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// None passes through and error stays error: none -> none, "a" -> 1 -> 2,
// "b" -> error.

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %prev = rasp.select "prev" %indices, %indices {(0, 1), (1, 2)}
  %left = rasp.aggregate "left" %prev, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
  %code = rasp.map "code" %left {none -> none, "a" -> 1, "b" -> error} : !rasp.sop<categorical> values {none, 1}
  %next = rasp.map "next" %code {none -> none, 1 -> 2} : !rasp.sop<categorical> values {none, 2}
  rasp.output %next : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %prev = rasp.select "prev" %indices, %indices {(0, 1), (1, 2)}
// CHECK-NEXT: %left = rasp.aggregate "left" %prev, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
// CHECK-NEXT: %next = rasp.map "next" %left {none -> none, "a" -> 2, "b" -> error} : !rasp.sop<categorical> values {none, 2}
// CHECK-NEXT: rasp.output %next : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// The same through a sequence_map over two maps and a map over that. odd, a
// map of the indices, stays (the position embedding writes it for free); code
// and name are absorbed. A none input gives none (odd is none at 0 and 2); an
// error on a side gives error (("b", 1)); only ("a", 1) reaches the tables:
// sum(1, 1) = 2 -> "two".

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %prev = rasp.select "prev" %indices, %indices {(0, 1), (1, 2)}
  %left = rasp.aggregate "left" %prev, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
  %code = rasp.map "code" %left {none -> none, "a" -> 1, "b" -> error} : !rasp.sop<categorical> values {none, 1}
  %odd = rasp.map "odd" %indices {0 -> none, 1 -> 1, 2 -> none} : !rasp.sop<categorical> values {none, 1}
  %sum = rasp.sequence_map "sum" %code, %odd {(none, none) -> none, (none, 1) -> none, (1, none) -> none, (1, 1) -> 2} : !rasp.sop<categorical> values {none, 2}
  %name = rasp.map "name" %sum {none -> none, 2 -> "two"} : !rasp.sop<categorical> values {none, "two"}
  rasp.output %name : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %prev = rasp.select "prev" %indices, %indices {(0, 1), (1, 2)}
// CHECK-NEXT: %left = rasp.aggregate "left" %prev, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
// CHECK-NEXT: %odd = rasp.map "odd" %indices {0 -> none, 1 -> 1, 2 -> none} : !rasp.sop<categorical> values {none, 1}
// CHECK-NEXT: %name = rasp.sequence_map "name" %left, %odd {(none, none) -> none, (none, 1) -> none, ("a", none) -> none, ("a", 1) -> "two", ("b", none) -> none, ("b", 1) -> error} : !rasp.sop<categorical> values {none, "two"}
// CHECK-NEXT: rasp.output %name : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// A chain of three maps collapses to one: a -> 0 -> 10 -> "lo",
// b -> 1 -> 20 -> "hi", c -> 2 -> 10 -> "lo".

rasp.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
  %m1 = rasp.map "m1" %tokens {"a" -> 0, "b" -> 1, "c" -> 2} : !rasp.sop<categorical> values {0, 1, 2}
  %m2 = rasp.map "m2" %m1 {0 -> 10, 1 -> 20, 2 -> 10} : !rasp.sop<categorical> values {10, 20}
  %m3 = rasp.map "m3" %m2 {10 -> "lo", 20 -> "hi"} : !rasp.sop<categorical> values {"hi", "lo"}
  rasp.output %m3 : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b", "c"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b", "c"}
// CHECK-NEXT: %m3 = rasp.map "m3" %tokens {"a" -> "lo", "b" -> "hi", "c" -> "lo"} : !rasp.sop<categorical> values {"hi", "lo"}
// CHECK-NEXT: rasp.output %m3 : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }
