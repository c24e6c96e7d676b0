// RUN: raspir-opt %s --split-input-file -p cse | filecheck %s --match-full-lines
// RUN: raspir-opt %s --split-input-file -p cse,cse | filecheck %s --match-full-lines

// Ops merge only when they are the same op on the same operands with the same
// label, table, value set, encoding and discardable attributes. Tables and
// value sets compare type-exactly (1, 1.0 and true differ; nan equals nan).
// Merging cascades: once %m2, %s2 and %n2 are gone, the two aggregates read the
// same operands and merge too.

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %m1 = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1}
  %m2 = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1}
  %relabelled = rasp.map "other" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1}
  %tagged = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1} attributes {tag}
  %bools = rasp.map "is_a" %tokens {"a" -> true, "b" -> false} : !rasp.sop<numerical> values {false, true}
  %floats = rasp.map "is_a" %tokens {"a" -> 1.0, "b" -> 0.0} : !rasp.sop<numerical> values {0.0, 1.0}
  %wider = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1, 2}
  %cat = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<categorical> values {0, 1}
  %nan1 = rasp.map "nan" %tokens {"a" -> nan, "b" -> 0} : !rasp.sop<numerical> values {0, nan}
  %nan2 = rasp.map "nan" %tokens {"a" -> nan, "b" -> 0} : !rasp.sop<numerical> values {0, nan}
  %v1 = rasp.linear_sequence_map "v" %m1, %m2 factors 1, 1 : !rasp.sop<numerical> values {0, 1, 2}
  %v2 = rasp.linear_sequence_map "v" %relabelled, %tagged factors 1, 1 : !rasp.sop<numerical> values {0, 1, 2}
  %v3 = rasp.linear_sequence_map "v" %bools, %floats factors 1, 1 : !rasp.sop<numerical> values {0, 1, 2}
  %v4 = rasp.linear_sequence_map "v" %wider, %cat factors 1, 1 : !rasp.sop<numerical> values {0, 1, 2, 3}
  %v5 = rasp.linear_sequence_map "v" %nan1, %nan2 factors 1, 1 : !rasp.sop<numerical> values {0, nan}
  %s1 = rasp.select "prev" %indices, %indices leq
  %s2 = rasp.select "prev" %indices, %indices leq
  %s3 = rasp.select "prev" %indices, %indices lt
  %n1 = rasp.select_not "not" %s1
  %n2 = rasp.select_not "not" %s2
  %both = rasp.select_and "both" %n1, %n2
  %either = rasp.select_or "either" %both, %s3
  %a1 = rasp.aggregate "mean" %either, %v2 default 0 : !rasp.sop<numerical> values {0, 0.5, 1, 1.5, 2}
  %a2 = rasp.aggregate "mean" %either, %v2 default 0 : !rasp.sop<numerical> values {0, 0.5, 1, 1.5, 2}
  %total = rasp.linear_sequence_map "total" %a1, %a2 factors 1, 0.5 : !rasp.sop<numerical> values {0, 0.75, 1.5, 2.25, 3.0}
  %t3 = rasp.linear_sequence_map "total" %total, %v3 factors 1, 1 : !rasp.sop<numerical> values {0, 1, 2, 3, 4, 5}
  %t4 = rasp.linear_sequence_map "total" %v4, %v5 factors 1, 1 : !rasp.sop<numerical> values {0, 1, 2, 3, nan}
  %t5 = rasp.linear_sequence_map "total" %t4, %v1 factors 1, 1 : !rasp.sop<numerical> values {0, 1, 2, 3, 4, 5, nan}
  %out = rasp.linear_sequence_map "out" %t3, %t5 factors 1, 1 : !rasp.sop<numerical> values {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, nan}
  rasp.output %out : !rasp.sop<numerical>
}

// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
// CHECK-NEXT: %m1 = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1}
// CHECK-NEXT: %relabelled = rasp.map "other" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1}
// CHECK-NEXT: %tagged = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1} attributes {tag}
// CHECK-NEXT: %bools = rasp.map "is_a" %tokens {"a" -> true, "b" -> false} : !rasp.sop<numerical> values {false, true}
// CHECK-NEXT: %floats = rasp.map "is_a" %tokens {"a" -> 1.0, "b" -> 0.0} : !rasp.sop<numerical> values {0.0, 1.0}
// CHECK-NEXT: %wider = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<numerical> values {0, 1, 2}
// CHECK-NEXT: %cat = rasp.map "is_a" %tokens {"a" -> 1, "b" -> 0} : !rasp.sop<categorical> values {0, 1}
// CHECK-NEXT: %nan1 = rasp.map "nan" %tokens {"a" -> nan, "b" -> 0} : !rasp.sop<numerical> values {0, nan}
// CHECK-NEXT: %v1 = rasp.linear_sequence_map "v" %m1, %m1 factors 1, 1 : !rasp.sop<numerical> values {0, 1, 2}
// CHECK-NEXT: %v2 = rasp.linear_sequence_map "v" %relabelled, %tagged factors 1, 1 : !rasp.sop<numerical> values {0, 1, 2}
// CHECK-NEXT: %v3 = rasp.linear_sequence_map "v" %bools, %floats factors 1, 1 : !rasp.sop<numerical> values {0, 1, 2}
// CHECK-NEXT: %v4 = rasp.linear_sequence_map "v" %wider, %cat factors 1, 1 : !rasp.sop<numerical> values {0, 1, 2, 3}
// CHECK-NEXT: %v5 = rasp.linear_sequence_map "v" %nan1, %nan1 factors 1, 1 : !rasp.sop<numerical> values {0, nan}
// CHECK-NEXT: %s1 = rasp.select "prev" %indices, %indices leq
// CHECK-NEXT: %s3 = rasp.select "prev" %indices, %indices lt
// CHECK-NEXT: %n1 = rasp.select_not "not" %s1
// CHECK-NEXT: %both = rasp.select_and "both" %n1, %n1
// CHECK-NEXT: %either = rasp.select_or "either" %both, %s3
// CHECK-NEXT: %a1 = rasp.aggregate "mean" %either, %v2 default 0 : !rasp.sop<numerical> values {0, 0.5, 1, 1.5, 2}
// CHECK-NEXT: %total = rasp.linear_sequence_map "total" %a1, %a1 factors 1, 0.5 : !rasp.sop<numerical> values {0, 0.75, 1.5, 2.25, 3.0}
// CHECK-NEXT: %t3 = rasp.linear_sequence_map "total" %total, %v3 factors 1, 1 : !rasp.sop<numerical> values {0, 1, 2, 3, 4, 5}
// CHECK-NEXT: %t4 = rasp.linear_sequence_map "total" %v4, %v5 factors 1, 1 : !rasp.sop<numerical> values {0, 1, 2, 3, nan}
// CHECK-NEXT: %t5 = rasp.linear_sequence_map "total" %t4, %v1 factors 1, 1 : !rasp.sop<numerical> values {0, 1, 2, 3, 4, 5, nan}
// CHECK-NEXT: %out = rasp.linear_sequence_map "out" %t3, %t5 factors 1, 1 : !rasp.sop<numerical> values {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, nan}
// CHECK-NEXT: rasp.output %out : !rasp.sop<numerical>
// CHECK-NEXT: }
// CHECK-NEXT: }

// -----

// Each rasp.program is isolated: identical programs are not merged, and
// duplicates inside a program are.

rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  rasp.output %tokens : !rasp.sop<categorical>
}
rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  %tokens2 = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  %pair = rasp.sequence_map "pair" %tokens, %tokens2 {("a", "a") -> ("a", "a")} : !rasp.sop<categorical> values {("a", "a")}
  rasp.output %pair : !rasp.sop<categorical>
}

// CHECK: {{//}} -----
// CHECK: builtin.module {
// CHECK-NEXT: rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
// CHECK-NEXT: rasp.output %tokens : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: rasp.program vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
// CHECK-NEXT: %pair = rasp.sequence_map "pair" %tokens, %tokens {("a", "a") -> ("a", "a")} : !rasp.sop<categorical> values {("a", "a")}
// CHECK-NEXT: rasp.output %pair : !rasp.sop<categorical>
// CHECK-NEXT: }
// CHECK-NEXT: }
