// RUN: raspir-opt %s | filecheck %s

rasp.program vocab {"a", "b"} max_seq_len 4 bos "BOS" pad "PAD" {
  %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
  rasp.output %tokens : !rasp.sop<categorical>
}

// CHECK: rasp.program vocab {"a", "b"} max_seq_len 4 bos "BOS" pad "PAD" {
// CHECK-NEXT: %tokens = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a", "b"}
// CHECK-NEXT: rasp.output %tokens : !rasp.sop<categorical>
