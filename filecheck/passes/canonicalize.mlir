// RUN: raspir-opt %s --split-input-file -p canonicalize | filecheck %s --match-full-lines
// RUN: raspir-opt %s --split-input-file -p canonicalize,cse | filecheck %s --match-full-lines --check-prefix=CSE

// canonicalize applies the rasp patterns (raspir.patterns.rasp)
// and removes dead ops. A replacement keeps the replaced op's label, name and
// value set; rasp-prune-value-sets shrinks the sets afterwards.

// Canonicalising again changes nothing.
// RUN: raspir-opt %s --split-input-file -p canonicalize -o %t.once.mlir
// RUN: raspir-opt %t.once.mlir --split-input-file -p canonicalize -o %t.twice.mlir
// RUN: diff %t.once.mlir %t.twice.mlir

// Lib programs with nothing to canonicalise come back byte-identical.
// RUN: raspir ir raspir.testing.library:sort_freq --vocab a,b,c --max-seq-len 5 > %t.sort_freq.mlir
// RUN: raspir-opt %t.sort_freq.mlir -p canonicalize | diff %t.sort_freq.mlir -
// RUN: raspir ir raspir.testing.library:shuffle_dyck2 --vocab "(,),{,}" --max-seq-len 4 --causal > %t.dyck2.mlir
// RUN: raspir-opt %t.dyck2.mlir -p canonicalize | diff %t.dyck2.mlir -

// nary_sequencemap builds its tuples with a SequenceMap of the tokens with
// themselves: that one becomes a map t -> (t, t) (its value set keeps the
// unreachable mixed pairs); the rest is unchanged.
// RUN: raspir ir raspir.testing.library:nary_sequencemap --vocab a,b --max-seq-len 2 2>/dev/null | raspir-opt -p canonicalize | filecheck %s --match-full-lines --check-prefix=NARY

// NARY: builtin.module {
// NARY-NEXT: rasp.program vocab {"a", "b"} max_seq_len 2 bos "compiler_bos" pad "compiler_pad" {
// NARY-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// NARY-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
// NARY-NEXT: %nary_args = rasp.map "nary_args" %tokens {"a" -> ("a", "a"), "b" -> ("b", "b")} : !rasp.sop<categorical> values {("a", "a"), ("a", "b"), ("b", "a"), ("b", "b")}
// NARY-NEXT: %nary_args_1 = rasp.sequence_map "nary_args" %nary_args, %indices {{.*}}
// NARY-NEXT: %map = rasp.map "map" %nary_args_1 {{.*}}
// NARY-NEXT: rasp.output %map : !rasp.sop<categorical>
// NARY-NEXT: }
// NARY-NEXT: }

// No pattern applies here, though every op is a near miss: a relation that
// holds for some pairs only, select_and / select_or / sequence_map of two
// different operands, a map with an error entry, a sequence_map whose outputs
// differ. The program comes back as it was.

rasp.program vocab {"(", ")", "x"} max_seq_len 3 bos "BOS" pad "PAD" causal attributes {source = "inline"} {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"(", ")", "x"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %length = rasp.length "length" : !rasp.sop<categorical> values {1, 2, 3}
  %one = rasp.full "one" fill 1 : !rasp.sop<categorical> values {1}
  %weights = rasp.constant "weights" [1, 2, 3] : !rasp.sop<categorical> values {1, 2, 3}
  %delta = rasp.map "delta" %tokens {"(" -> 1, ")" -> -1, "x" -> error} : !rasp.sop<numerical> values {-1, 1}
  %prevs = rasp.select "prevs" %indices, %indices leq
  %near = rasp.select "near" %indices, %length {(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)}
  %both = rasp.select_and "both" %prevs, %near
  %wide = rasp.select_or "wide" %both, %prevs
  %none = rasp.select_not "none" %wide
  %bal = rasp.aggregate "bal" %both, %delta default 0 : !rasp.sop<numerical> values {-1, -0.5, 0, 0.5, 1}
  %count = rasp.selector_width "count" %none : !rasp.sop<categorical> values {0, 1, 2, 3}
  %pos = rasp.sequence_map "pos" %count, %weights {(0, 1) -> 1, (0, 2) -> 2, (0, 3) -> 3, (1, 1) -> 2, (1, 2) -> 3, (1, 3) -> 4, (2, 1) -> 3, (2, 2) -> 4, (2, 3) -> 5, (3, 1) -> 4, (3, 2) -> 5, (3, 3) -> 6} : !rasp.sop<categorical> values {1, 2, 3, 4, 5, 6}
  %shift = rasp.sequence_map "shift" %pos, %one {(1, 1) -> 0, (2, 1) -> 1, (3, 1) -> 2, (4, 1) -> 3, (5, 1) -> 4, (6, 1) -> 5} : !rasp.sop<numerical> values {0, 1, 2, 3, 4, 5}
  %out = rasp.linear_sequence_map "out" %bal, %shift factors 2, -1 : !rasp.sop<numerical> values {-7, -6, -5, -4, -3, -2, -1, 0, 1, 2}
  rasp.output %out : !rasp.sop<numerical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"(", ")", "x"} max_seq_len 3 bos "BOS" pad "PAD" causal attributes {source = "inline"} {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"(", ")", "x"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %length = rasp.length "length" : !rasp.sop<categorical> values {1, 2, 3}
// CHECK-NEXT: %one = rasp.full "one" fill 1 : !rasp.sop<categorical> values {1}
// CHECK-NEXT: %weights = rasp.constant "weights" [1, 2, 3] : !rasp.sop<categorical> values {1, 2, 3}
// CHECK-NEXT: %delta = rasp.map "delta" %tokens {"(" -> 1, ")" -> -1, "x" -> error} : !rasp.sop<numerical> values {-1, 1}
// CHECK-NEXT: %prevs = rasp.select "prevs" %indices, %indices leq
// CHECK-NEXT: %near = rasp.select "near" %indices, %length {(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)}
// CHECK-NEXT: %both = rasp.select_and "both" %prevs, %near
// CHECK-NEXT: %wide = rasp.select_or "wide" %both, %prevs
// CHECK-NEXT: %none = rasp.select_not "none" %wide
// CHECK-NEXT: %bal = rasp.aggregate "bal" %both, %delta default 0 : !rasp.sop<numerical> values {-1, -0.5, 0, 0.5, 1}
// CHECK-NEXT: %count = rasp.selector_width "count" %none : !rasp.sop<categorical> values {0, 1, 2, 3}
// CHECK-NEXT: %pos = rasp.sequence_map "pos" %count, %weights {(0, 1) -> 1, (0, 2) -> 2, (0, 3) -> 3, (1, 1) -> 2, (1, 2) -> 3, (1, 3) -> 4, (2, 1) -> 3, (2, 2) -> 4, (2, 3) -> 5, (3, 1) -> 4, (3, 2) -> 5, (3, 3) -> 6} : !rasp.sop<categorical> values {1, 2, 3, 4, 5, 6}
// CHECK-NEXT: %shift = rasp.sequence_map "shift" %pos, %one {(1, 1) -> 0, (2, 1) -> 1, (3, 1) -> 2, (4, 1) -> 3, (5, 1) -> 4, (6, 1) -> 5} : !rasp.sop<numerical> values {0, 1, 2, 3, 4, 5}
// CHECK-NEXT: %out = rasp.linear_sequence_map "out" %bal, %shift factors 2, -1 : !rasp.sop<numerical> values {-7, -6, -5, -4, -3, -2, -1, 0, 1, 2}
// CHECK-NEXT: rasp.output %out : !rasp.sop<numerical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// Dead ops go (unused, unused_sel, indices); live duplicates stay until cse.

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %m1 = rasp.map "flip" %tokens {"a" -> "b", "b" -> "a"} : !rasp.sop<categorical> values {"a", "b"}
  %m2 = rasp.map "flip" %tokens {"a" -> "b", "b" -> "a"} : !rasp.sop<categorical> values {"a", "b"}
  %unused = rasp.map "unused" %m1 {"a" -> 0, "b" -> 1} : !rasp.sop<categorical> values {0, 1}
  %sel = rasp.select "same" %m1, %m2 eq
  %unused_sel = rasp.select_not "unused_sel" %sel
  %w = rasp.selector_width "w" %sel : !rasp.sop<categorical> values {0, 1, 2}
  rasp.output %w : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %m1 = rasp.map "flip" %tokens {"a" -> "b", "b" -> "a"} : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %m2 = rasp.map "flip" %tokens {"a" -> "b", "b" -> "a"} : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %sel = rasp.select "same" %m1, %m2 eq
// CHECK-NEXT: %w = rasp.selector_width "w" %sel : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: rasp.output %w : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// CSE: {{//}} -----
// CSE: builtin.module {
// CSE-NEXT: rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
// CSE-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CSE-NEXT: %m1 = rasp.map "flip" %tokens {"a" -> "b", "b" -> "a"} : !rasp.sop<categorical> values {"a", "b"}
// CSE-NEXT: %sel = rasp.select "same" %m1, %m1 eq
// CSE-NEXT: %w = rasp.selector_width "w" %sel : !rasp.sop<categorical> values {0, 1, 2}
// CSE-NEXT: rasp.output %w : !rasp.sop<categorical>
// CSE-NEXT: }
// CSE-NEXT: }

// -----

// sequence_map f x x -> map (v -> f(v, v)) x. none passes through (the map's
// entry for none is none); the value set is kept, "ab" and "ba" included.

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %prev = rasp.select "prev" %indices, %indices {(0, 1), (1, 2)}
  %left = rasp.aggregate "left" %prev, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
  %pair = rasp.sequence_map "pair" %left, %left {(none, none) -> none, (none, "a") -> none, (none, "b") -> none, ("a", none) -> none, ("a", "a") -> "aa", ("a", "b") -> "ab", ("b", none) -> none, ("b", "a") -> "ba", ("b", "b") -> "bb"} : !rasp.sop<categorical> values {none, "aa", "ab", "ba", "bb"}
  rasp.output %pair : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %prev = rasp.select "prev" %indices, %indices {(0, 1), (1, 2)}
// CHECK-NEXT: %left = rasp.aggregate "left" %prev, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
// CHECK-NEXT: %pair = rasp.map "pair" %left {none -> none, "a" -> "aa", "b" -> "bb"} : !rasp.sop<categorical> values {none, "aa", "ab", "ba", "bb"}
// CHECK-NEXT: rasp.output %pair : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// A map that is the identity on its input's value set (same encoding, same
// value set) is replaced by its input, also with none in the set: the aggregate
// reads tokens, match reads tokens and left.

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %same = rasp.map "same" %tokens {"a" -> "a", "b" -> "b"} : !rasp.sop<categorical> values {"a", "b"}
  %prev = rasp.select "prev" %indices, %indices {(0, 1), (1, 2)}
  %left = rasp.aggregate "left" %prev, %same default none : !rasp.sop<categorical> values {none, "a", "b"}
  %copy = rasp.map "copy" %left {none -> none, "a" -> "a", "b" -> "b"} : !rasp.sop<categorical> values {none, "a", "b"}
  %match = rasp.sequence_map "match" %same, %copy {("a", none) -> none, ("a", "a") -> 1, ("a", "b") -> 0, ("b", none) -> none, ("b", "a") -> 0, ("b", "b") -> 1} : !rasp.sop<categorical> values {none, 0, 1}
  rasp.output %match : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %prev = rasp.select "prev" %indices, %indices {(0, 1), (1, 2)}
// CHECK-NEXT: %left = rasp.aggregate "left" %prev, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
// CHECK-NEXT: %match = rasp.sequence_map "match" %tokens, %left {("a", none) -> none, ("a", "a") -> 1, ("a", "b") -> 0, ("b", none) -> none, ("b", "a") -> 0, ("b", "b") -> 1} : !rasp.sop<categorical> values {none, 0, 1}
// CHECK-NEXT: rasp.output %match : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// Not an identity read by rasp.output: the output keeps its op and its name.

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %same = rasp.map "same" %tokens {"a" -> "a", "b" -> "b"} : !rasp.sop<categorical> values {"a", "b"}
  rasp.output %same : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %same = rasp.map "same" %tokens {"a" -> "a", "b" -> "b"} : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: rasp.output %same : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// Not an identity that changes the encoding (num is numerical, indices
// categorical), nor one whose value set differs from its input's (wide holds
// "c").

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %num = rasp.map "num" %indices {0 -> 0, 1 -> 1, 2 -> 2} : !rasp.sop<numerical> values {0, 1, 2}
  %wide = rasp.map "wide" %tokens {"a" -> "a", "b" -> "b"} : !rasp.sop<categorical> values {"a", "b", "c"}
  %all = rasp.select "all" %wide, %tokens eq
  %mean = rasp.aggregate "mean" %all, %num default 0 : !rasp.sop<numerical> values {0, 0.5, 1, 1.5, 2}
  rasp.output %mean : !rasp.sop<numerical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %num = rasp.map "num" %indices {0 -> 0, 1 -> 1, 2 -> 2} : !rasp.sop<numerical> values {0, 1, 2}
// CHECK-NEXT: %wide = rasp.map "wide" %tokens {"a" -> "a", "b" -> "b"} : !rasp.sop<categorical> values {"a", "b", "c"}
// CHECK-NEXT: %all = rasp.select "all" %wide, %tokens eq
// CHECK-NEXT: %mean = rasp.aggregate "mean" %all, %num default 0 : !rasp.sop<numerical> values {0, 0.5, 1, 1.5, 2}
// CHECK-NEXT: rasp.output %mean : !rasp.sop<numerical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// A map giving one value everywhere becomes a full, which keeps the map's
// label, name and value set ({1, 2}, although only 1 is reached).

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %one = rasp.map "one" %tokens {"a" -> 1, "b" -> 1} : !rasp.sop<categorical> values {1, 2}
  %sel = rasp.select "sel" %one, %indices lt
  %w = rasp.selector_width "w" %sel : !rasp.sop<categorical> values {0, 1, 2, 3}
  rasp.output %w : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %one = rasp.full "one" fill 1 : !rasp.sop<categorical> values {1, 2}
// CHECK-NEXT: %sel = rasp.select "sel" %one, %indices lt
// CHECK-NEXT: %w = rasp.selector_width "w" %sel : !rasp.sop<categorical> values {0, 1, 2, 3}
// CHECK-NEXT: rasp.output %w : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// So does a constant sequence_map, here the output: a new op, so the output
// keeps the name %k; everything else is dead.

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %sel = rasp.select "sel" %tokens, %indices true
  %w = rasp.selector_width "w" %sel : !rasp.sop<categorical> values {0, 1, 2, 3}
  %k = rasp.sequence_map "k" %w, %tokens {(0, "a") -> 7, (0, "b") -> 7, (1, "a") -> 7, (1, "b") -> 7, (2, "a") -> 7, (2, "b") -> 7, (3, "a") -> 7, (3, "b") -> 7} : !rasp.sop<numerical> values {7}
  rasp.output %k : !rasp.sop<numerical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %k = rasp.full "k" fill 7 : !rasp.sop<numerical> values {7}
// CHECK-NEXT: rasp.output %k : !rasp.sop<numerical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// Not constant: an input that can be none (one is none there, whatever its
// table says: the entry for none is never looked up), a table with an error
// entry (half raises on "b"), or a sequence_map over either (pair).

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %prev = rasp.select "prev" %indices, %indices {(0, 1), (1, 2)}
  %left = rasp.aggregate "left" %prev, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
  %one = rasp.map "one" %left {none -> 1, "a" -> 1, "b" -> 1} : !rasp.sop<categorical> values {none, 1}
  %half = rasp.map "half" %tokens {"a" -> 1, "b" -> error} : !rasp.sop<categorical> values {1}
  %pair = rasp.sequence_map "pair" %one, %half {(none, 1) -> 2, (1, 1) -> 2} : !rasp.sop<categorical> values {none, 2}
  rasp.output %pair : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %prev = rasp.select "prev" %indices, %indices {(0, 1), (1, 2)}
// CHECK-NEXT: %left = rasp.aggregate "left" %prev, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
// CHECK-NEXT: %one = rasp.map "one" %left {none -> 1, "a" -> 1, "b" -> 1} : !rasp.sop<categorical> values {none, 1}
// CHECK-NEXT: %half = rasp.map "half" %tokens {"a" -> 1, "b" -> error} : !rasp.sop<categorical> values {1}
// CHECK-NEXT: %pair = rasp.sequence_map "pair" %one, %half {(none, 1) -> 2, (1, 1) -> 2} : !rasp.sop<categorical> values {none, 2}
// CHECK-NEXT: rasp.output %pair : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// A relation that holds for every (key, query) pair of the value sets is
// `true`; one that holds for none is `false`.

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %all = rasp.select "all" %tokens, %indices {("a", 0), ("a", 1), ("b", 0), ("b", 1)}
  %never = rasp.select "never" %tokens, %indices {}
  %either = rasp.select_or "either" %all, %never
  %w = rasp.selector_width "w" %either : !rasp.sop<categorical> values {0, 1, 2}
  rasp.output %w : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
// CHECK-NEXT: %all = rasp.select "all" %tokens, %indices true
// CHECK-NEXT: %never = rasp.select "never" %tokens, %indices false
// CHECK-NEXT: %either = rasp.select_or "either" %all, %never
// CHECK-NEXT: %w = rasp.selector_width "w" %either : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: rasp.output %w : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// An aggregate over a `false` select is a full of its default; the width of a
// `false` select (here a relation that holds nowhere, made `false` first) is a
// full 0. Both keep their value sets; the selects and the tokens they read die.

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %no = rasp.select "no" %tokens, %tokens false
  %pick = rasp.aggregate "pick" %no, %tokens default none : !rasp.sop<categorical> values {none, "a", "b"}
  %never = rasp.select "never" %indices, %indices {}
  %count = rasp.selector_width "count" %never : !rasp.sop<categorical> values {0, 1, 2}
  %both = rasp.sequence_map "both" %pick, %count {(none, 0) -> none, (none, 1) -> none, (none, 2) -> none, ("a", 0) -> "a0", ("a", 1) -> "a1", ("a", 2) -> "a2", ("b", 0) -> "b0", ("b", 1) -> "b1", ("b", 2) -> "b2"} : !rasp.sop<categorical> values {none, "a0", "a1", "a2", "b0", "b1", "b2"}
  rasp.output %both : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
// CHECK-NEXT: %pick = rasp.full "pick" fill none : !rasp.sop<categorical> values {none, "a", "b"}
// CHECK-NEXT: %count = rasp.full "count" fill 0 : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %both = rasp.sequence_map "both" %pick, %count {(none, 0) -> none, (none, 1) -> none, (none, 2) -> none, ("a", 0) -> "a0", ("a", 1) -> "a1", ("a", 2) -> "a2", ("b", 0) -> "b0", ("b", 1) -> "b1", ("b", 2) -> "b2"} : !rasp.sop<categorical> values {none, "a0", "a1", "a2", "b0", "b1", "b2"}
// CHECK-NEXT: rasp.output %both : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// select_not (select_not lt) -> lt; select_and eq eq -> eq; select_or lt lt ->
// lt. mix and final read two different selectors and stay.

rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  %lt = rasp.select "lt" %indices, %indices lt
  %eq = rasp.select "eq" %tokens, %tokens eq
  %not = rasp.select_not "not" %lt
  %notnot = rasp.select_not "notnot" %not
  %and = rasp.select_and "and" %eq, %eq
  %or = rasp.select_or "or" %lt, %lt
  %mix = rasp.select_or "mix" %notnot, %and
  %final = rasp.select_and "final" %mix, %or
  %w = rasp.selector_width "w" %final : !rasp.sop<categorical> values {0, 1, 2, 3}
  rasp.output %w : !rasp.sop<categorical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
// CHECK-NEXT: %lt = rasp.select "lt" %indices, %indices lt
// CHECK-NEXT: %eq = rasp.select "eq" %tokens, %tokens eq
// CHECK-NEXT: %mix = rasp.select_or "mix" %lt, %eq
// CHECK-NEXT: %final = rasp.select_and "final" %mix, %lt
// CHECK-NEXT: %w = rasp.selector_width "w" %final : !rasp.sop<categorical> values {0, 1, 2, 3}
// CHECK-NEXT: rasp.output %w : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }
