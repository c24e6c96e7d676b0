// RUN: raspir-opt %s --split-input-file --verify-diagnostics -p rasp-legalize | filecheck %s --match-full-lines

// A paired s-op is None where a part is, and a head never selects a None key;
// a formula that would select there is refused.

rasp.program vocab {1, 2} max_seq_len 2 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {1, 2}
  %indices = rasp.indices "indices" : !rasp.sop<categorical> values {0, 1}
  %later = rasp.select "later" %indices, %indices gt
  %prev = rasp.aggregate "prev" %later, %tokens default none : !rasp.sop<categorical> values {none, 1, 2}
  %r = rasp.select "r" %prev, %tokens {(none, 1), (2, 2)}
  %s = rasp.select "s" %indices, %indices eq
  %either = rasp.select_or "either" %r, %s
  %width = rasp.selector_width "width" %either : !rasp.sop<categorical> values {0, 1, 2}
  rasp.output %width : !rasp.sop<categorical>
}

// CHECK: rasp.select_or 'either': it selects where its key s-op 'prev' is None, which a tuple of its s-ops cannot hold (None pairs to None); map None to a value before selecting
