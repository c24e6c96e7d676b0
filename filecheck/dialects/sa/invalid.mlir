// RUN: raspir-opt %s --split-input-file --verify-diagnostics | filecheck %s --match-full-lines
// RUN: raspir-opt %s --split-input-file --verify-diagnostics | filecheck %s --check-prefix=ALLFAIL
// RUN: raspir-opt %s --split-input-file --verify-diagnostics | grep -c "| Operation does not verify: " | filecheck %s --check-prefix=COUNT

// Every chunk below fails verification: none is printed back as a module.
// All but one of the 31 chunks point at the offending op; the missing
// terminator is reported without a location.
// ALLFAIL-NOT: builtin.module {
// COUNT: 32

// == Constants ==

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise -1.0
  sa.output %tokens : !rasp.sop<categorical>
}
// CHECK: sa.tokens 'tokens': noise bound must be finite and >= 0, got -1.0

// -----

// An infinite bound (1.0e999 overflows to inf), written in the generic form.

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = "sa.tokens"() <{noise = #rasp.value<1.0e999>, label = "tokens", values = #rasp.values<{"a", "b"}>}> : () -> !rasp.sop<categorical>
  sa.output %tokens : !rasp.sop<categorical>
}
// CHECK: sa.tokens 'tokens': noise bound must be finite and >= 0, got inf

// -----

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  %m = sa.lookup "m" %tokens {"a" -> 1, "b" -> 2} : !rasp.sop<categorical> values {1, 2} noise 0.0 layer -1
  sa.output %m : !rasp.sop<categorical>
}
// CHECK: sa.lookup 'm': layer must be >= 0, got -1

// -----

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0
  %a = sa.aggregate "a" %indices, %indices, %tokens eq sharpness 0.0 : !rasp.sop<categorical> values {none, "a", "b"} noise 0.0
  sa.output %a : !rasp.sop<categorical>
}
// CHECK: sa.aggregate 'a': sharpness must be finite and > 0, got 0.0

// -----

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  %n = sa.count "n" %tokens, %tokens eq sharpness -2.5 margin 0.01 : !rasp.sop<categorical> values {0, 1, 2} noise 0.0
  sa.output %n : !rasp.sop<categorical>
}
// CHECK: sa.count 'n': sharpness must be finite and > 0, got -2.5

// -----

// An s-op's value set fits its encoding.

// == Input encodings ==

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<numerical> values {"a", "b"} noise 0.0
  sa.output %tokens : !rasp.sop<numerical>
}
// CHECK: sa.tokens 'tokens': numerical s-op has non-numeric value "a" in its value set

// -----

sa.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<numerical> values {1, 2} noise 0.0
  %m = sa.lookup "m" %tokens {1 -> "x", 2 -> "y"} : !rasp.sop<categorical> values {"x", "y"} noise 0.0
  sa.output %m : !rasp.sop<categorical>
}
// CHECK: sa.lookup 'm': sa.lookup needs a categorical input, got numerical

// -----

sa.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2} noise 0.0
  %d = sa.discretise "d" %tokens {1 -> "x", 2 -> "y"} margin 0.1 : !rasp.sop<categorical> values {"x", "y"} noise 0.0
  sa.output %d : !rasp.sop<categorical>
}
// CHECK: sa.discretise 'd': sa.discretise needs a numerical input, got categorical

// -----

sa.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2} noise 0.0
  %numbers = sa.tokens "numbers" : !rasp.sop<numerical> values {1, 2} noise 0.0
  %p = sa.pair_lookup "p" %tokens, %numbers {(1, 1) -> 2, (1, 2) -> 3, (2, 1) -> 3, (2, 2) -> 4} : !rasp.sop<categorical> values {2, 3, 4} noise 0.0
  sa.output %p : !rasp.sop<categorical>
}
// CHECK: sa.pair_lookup 'p': sa.pair_lookup needs a categorical input, got numerical

// -----

sa.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2} noise 0.0
  %numbers = sa.tokens "numbers" : !rasp.sop<numerical> values {1, 2} noise 0.0
  %l = sa.linear "l" %numbers, %tokens factors 1, 1 : !rasp.sop<numerical> values {2, 3, 4} noise 0.0
  sa.output %l : !rasp.sop<numerical>
}
// CHECK: sa.linear 'l': sa.linear needs a numerical input, got categorical

// -----

sa.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %numbers = sa.tokens "numbers" : !rasp.sop<numerical> values {1, 2} noise 0.0
  %l = sa.linear "l" %numbers, %numbers factors 1, 1 : !rasp.sop<categorical> values {2, 4} noise 0.0
  sa.output %l : !rasp.sop<categorical>
}
// CHECK: sa.linear 'l': sa.linear produces a numerical s-op

// -----

sa.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2} noise 0.0
  %numbers = sa.tokens "numbers" : !rasp.sop<numerical> values {1, 2} noise 0.0
  %a = sa.aggregate "a" %numbers, %tokens, %tokens leq sharpness 10.0 : !rasp.sop<categorical> values {none, 1, 2} noise 0.0
  sa.output %a : !rasp.sop<categorical>
}
// CHECK: sa.aggregate 'a': numerical keys or queries need the predicate eq (a quadratic score)

// -----

sa.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2} noise 0.0
  %numbers = sa.tokens "numbers" : !rasp.sop<numerical> values {1, 2} noise 0.0
  %n = sa.count "n" %tokens, %numbers lt sharpness 10.0 margin 0.01 : !rasp.sop<categorical> values {0, 1, 2} noise 0.0
  sa.output %n : !rasp.sop<categorical>
}
// CHECK: sa.count 'n': numerical keys or queries need the predicate eq (a quadratic score)

// -----

sa.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2} noise 0.0
  %numbers = sa.tokens "numbers" : !rasp.sop<numerical> values {1, 2} noise 0.0
  %a = sa.aggregate "a" %tokens, %tokens, %numbers eq sharpness 10.0 : !rasp.sop<categorical> values {none, 1, 2} noise 0.0
  sa.output %a : !rasp.sop<categorical>
}
// CHECK: sa.aggregate 'a': an aggregate keeps the encoding of its values: numerical in, categorical out

// -----

// == Aggregate defaults ==

// The default is one of the op's values.

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0
  %a = sa.aggregate "a" %indices, %indices, %tokens lt sharpness 10.0 default "z" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  sa.output %a : !rasp.sop<categorical>
}
// CHECK: sa.aggregate 'a': default "z" is not in the value set

// -----

// A numerical default is a finite number: a head writes it as a weight.

sa.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0
  %numbers = sa.tokens "numbers" : !rasp.sop<numerical> values {1, 2} noise 0.0
  %a = sa.aggregate "a" %indices, %indices, %numbers lt sharpness 10.0 default inf : !rasp.sop<numerical> values {1, 1.5, 2, inf} noise 0.0
  sa.output %a : !rasp.sop<numerical>
}
// CHECK: sa.aggregate 'a': the default of a numerical aggregate must be a finite number, got inf

// -----

sa.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0
  %numbers = sa.tokens "numbers" : !rasp.sop<numerical> values {1, 2} noise 0.0
  %a = sa.aggregate "a" %indices, %indices, %numbers lt sharpness 10.0 default "x" : !rasp.sop<numerical> values {1, 1.5, 2} noise 0.0
  sa.output %a : !rasp.sop<numerical>
}
// CHECK: sa.aggregate 'a': the default of a numerical aggregate must be a finite number, got "x"

// -----

// == Tables ==

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  %m = sa.lookup "m" %tokens {"a" -> 1} : !rasp.sop<categorical> values {1} noise 0.0
  sa.output %m : !rasp.sop<categorical>
}
// CHECK: sa.lookup 'm': table does not cover input "b" of its input value set

// -----

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  %m = sa.lookup "m" %tokens {"a" -> 1, "b" -> 2} : !rasp.sop<categorical> values {1} noise 0.0
  sa.output %m : !rasp.sop<categorical>
}
// CHECK: sa.lookup 'm': table output 2 is not in the value set

// -----

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0
  %p = sa.pair_lookup "p" %tokens, %indices {("a", 0) -> 0, ("a", 1) -> 1, ("b", 0) -> 0, ("b", 1) -> 1, ("b", 2) -> 2} : !rasp.sop<categorical> values {0, 1, 2} noise 0.0
  sa.output %p : !rasp.sop<categorical>
}
// CHECK: sa.pair_lookup 'p': table input ("b", 2) is not in the input value set

// -----

// Inputs that are one number (1 and 1.0) need one output.

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  %x = sa.lookup "x" %tokens {"a" -> 1, "b" -> 1.0} : !rasp.sop<numerical> values {1, 1.0} noise 0.0
  %d = sa.discretise "kind" %x {1 -> "int", 1.0 -> "float"} margin 0.0 : !rasp.sop<categorical> values {"float", "int"} noise 0.0
  sa.output %d : !rasp.sop<categorical>
}
// CHECK: sa.discretise 'kind': input 1.0 is the number 1.0 like another input, but maps to "float" instead of "int"

// -----

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  %x = sa.lookup "x" %tokens {"a" -> 0, "b" -> 1} : !rasp.sop<numerical> values {0, 1} noise 0.0
  %d = sa.discretise "d" %x {0 -> "lo", 1 -> "hi"} margin 0.5 : !rasp.sop<categorical> values {"hi", "lo"} noise 0.0
  sa.output %d : !rasp.sop<categorical>
}
// CHECK: sa.discretise 'd': margin 0.5 is not below half the smallest gap 1.0 between inputs with different outputs

// -----

// == The program ==

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a"} noise 0.0
  sa.output %tokens : !rasp.sop<categorical>
}
// CHECK: sa.tokens value "b" is not in the value set of sa.tokens 'tokens'

// -----

sa.program vocab {"a", "b"} max_seq_len 3 bos "BOS" pad "PAD" {
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0
  sa.output %indices : !rasp.sop<categorical>
}
// CHECK: sa.indices value 2 is not in the value set of sa.indices 'indices'

// -----

sa.program vocab {"a", "b"} max_seq_len 2 bos "a" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  sa.output %tokens : !rasp.sop<categorical>
}
// CHECK: bos token "a" is also in the vocab

// -----

// The body must end with sa.output (reported without a location), and sa.output
// only ends an sa.program.

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
}
// CHECK: Operation sa.tokens terminates block in single-block region but is not a terminator

// -----

rasp.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  sa.output %tokens : !rasp.sop<categorical>
}
// CHECK: 'sa.output' expects parent op 'sa.program'

// -----

// == Found by mutation fuzzing: convert-sa-to-craft relied on these ==

// An affine value's readers weight its inputs' directions by their values.

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  %indices = sa.indices "indices" : !rasp.sop<numerical> values {0, 1} noise 0.0
  %x = sa.affine "x" %tokens, %indices factors 1, 1 offset -1 : !rasp.sop<numerical> values {0} noise 0.0
  sa.output %indices : !rasp.sop<numerical>
}
// CHECK: sa.affine 'x': input value "a" is not a finite number

// -----

// A count's steps must be flat within its margin, relative to the level
// 1/(w+1): else their slope is infinite or negative.

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"} noise 0.0
  %n = sa.count "n" %tokens, %tokens eq sharpness 7.0 margin 0.25 : !rasp.sop<categorical> values {0, 1, 2} noise 0.0
  sa.output %n : !rasp.sop<categorical>
}
// CHECK: sa.count 'n': margin 0.25 (relative to the level) is not below half the gap 0.16666666666666669 between levels 0.3333333333333333 and 0.5

// -----

// The offset becomes a weight.

sa.program vocab {"a", "b"} max_seq_len 2 bos "BOS" pad "PAD" {
  %indices = sa.indices "indices" : !rasp.sop<numerical> values {0, 1} noise 0.0
  %x = sa.affine "x" %indices, %indices factors 1, 1 offset inf : !rasp.sop<numerical> values {0} noise 0.0
  sa.output %indices : !rasp.sop<numerical>
}
// CHECK: sa.affine 'x': offset must be a finite number, got inf

// -----

// An sa program holds sa ops only.

sa.program vocab {"a"} max_seq_len 3 bos "BOS" pad "PAD" {
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1, 2}
  sa.output %indices : !rasp.sop<categorical>
}
// CHECK: sa.program holds sa ops, not rasp.indices

// -----

// A pair pairs categorical s-ops.

sa.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2} noise 0.0
  %x = sa.tokens "x" : !rasp.sop<numerical> values {1, 2} noise 0.0
  %keys = sa.pair "keys" %tokens, %x : !rasp.sop<categorical> values {(1, 1), (2, 2)} noise 0.0
  sa.output %keys : !rasp.sop<categorical>
}
// CHECK: sa.pair 'keys': a pair is categorical and pairs categorical s-ops

// -----

// Only heads read a pair, as keys or queries: it has no directions of its own.

sa.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = sa.tokens "tokens" : !rasp.sop<categorical> values {1, 2} noise 0.0
  %indices = sa.indices "indices" : !rasp.sop<categorical> values {0, 1} noise 0.0
  %keys = sa.pair "keys" %tokens, %indices : !rasp.sop<categorical> values {(1, 0), (1, 1), (2, 0), (2, 1)} noise 0.0
  sa.output %keys : !rasp.sop<categorical>
}
// CHECK: sa.pair 'keys': a pair is read only as the keys or queries of heads, not by sa.output
