// RUN: raspir-opt %s --split-input-file --verify-diagnostics | filecheck %s --match-full-lines
// RUN: raspir-opt %s --split-input-file --verify-diagnostics | filecheck %s --check-prefix=ALLFAIL
// RUN: raspir-opt %s --split-input-file --verify-diagnostics | grep -c "| Operation does not verify: " | filecheck %s --check-prefix=COUNT

// craft.share: directions that take turns on one residual dimension
// (craft-compress-residual writes them). Every chunk below fails
// verification, each pointing at the offending op; none is printed back as a
// module.
// ALLFAIL-NOT: builtin.module {
// COUNT: 5

// A group shares a dimension between at least two directions: one direction
// alone has its own dimension without any craft.share, so a group of one is
// malformed, as is an empty one.

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.share [tokens:"a"]
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.share needs at least two directions

// -----

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.share []
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.share needs at least two directions

// -----

// A direction lives on one dimension: tokens:"a" cannot be in two groups
// (the model reports it, since no single group is wrong on its own).

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.share [tokens:"a", x:1]
  craft.share [y, tokens:"a"]
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.model: tokens:"a" is in two craft.share groups

// -----

// Share groups belong to the model, not to a layer or to the top level.

craft.share [tokens:"a", x:1]
// CHECK: 'craft.share' expects parent op 'craft.model'

// -----

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    craft.share [tokens:"a", x:1]
  }
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: 'craft.share' expects parent op 'craft.model'
