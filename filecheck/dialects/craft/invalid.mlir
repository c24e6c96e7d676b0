// RUN: raspir-opt %s --split-input-file --verify-diagnostics | filecheck %s --match-full-lines
// RUN: raspir-opt %s --split-input-file --verify-diagnostics | filecheck %s --check-prefix=ALLFAIL
// RUN: raspir-opt %s --split-input-file --verify-diagnostics | grep -c "| Operation does not verify: " | filecheck %s --check-prefix=COUNT

// Every chunk below fails verification, each pointing at the offending op;
// none is printed back as a module.
// ALLFAIL-NOT: builtin.module {
// COUNT: 30

// == Heads and MLPs ==

// A head's matrices are between residual directions.

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    craft.head "h" qk {(tokens:"a", 0): 1.0} ov {}
  }
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.head 'h': heads read and write residual directions, not hidden units

// -----

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    craft.head "h" qk {} ov {(3, tokens:"a"): 1.0}
  }
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.head 'h': heads read and write residual directions, not hidden units

// -----

// An MLP's first layer maps directions to its hidden units 0..hidden-1, its
// second layer those units to directions.

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    craft.mlp "m" hidden 2 fst {(tokens:"a", 2): 1.0} snd {}
  }
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.mlp 'm': the first layer maps directions to hidden units 0..1

// -----

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    craft.mlp "m" hidden 2 fst {(0, 1): 1.0} snd {}
  }
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.mlp 'm': the first layer maps directions to hidden units 0..1

// -----

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    craft.mlp "m" hidden 2 fst {(one, m:1): 1.0} snd {}
  }
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.mlp 'm': the first layer maps directions to hidden units 0..1

// -----

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    craft.mlp "m" hidden 2 fst {} snd {(2, m:1): 1.0}
  }
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.mlp 'm': the second layer maps hidden units 0..1 to directions

// -----

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    craft.mlp "m" hidden 2 fst {} snd {(one, m:1): 1.0}
  }
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.mlp 'm': the second layer maps hidden units 0..1 to directions

// -----

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    craft.mlp "m" hidden 2 fst {} snd {(0, 1): 1.0}
  }
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.mlp 'm': the second layer maps hidden units 0..1 to directions

// -----

// A negative hidden width, which only the generic form can spell.

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    "craft.mlp"() <{label = "m", hidden = #builtin.int<-1>, fst = #craft.matrix<{}>, snd = #craft.matrix<{}>}> : () -> ()
  }
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.mlp 'm': hidden width must be >= 0, got -1

// -----

// == Layers ==

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    craft.mlp "m" hidden 1 fst {} snd {}
    craft.head "h" qk {} ov {}
  }
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.layer 0: heads come before MLPs

// -----

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    builtin.module {
    }
  }
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.layer 0 holds only heads and MLPs

// -----

// == The model ==

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.layer 0 {
  }
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.model: needs exactly one tokens and one positions embedding, has ['tokens']

// -----

// Both kinds are there, but the tokens embedding twice.

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.model: needs exactly one tokens and one positions embedding, has ['tokens', 'tokens', 'positions']

// -----

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 1 {
  }
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.model: layers must be numbered 0, 1, ...; got [1]

// -----

// An unknown encoding, which only the generic form can spell.

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  "craft.unembed"() <{encoding = "binary", table = #craft.embedding<{"a": {tokens:"a" = 1.0}}>}> : () -> ()
}
// CHECK: craft.unembed: unknown encoding 'binary'

// -----

// The body ends with the unembedding.

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
  }
}
// CHECK: program body must end with craft.unembed

// -----

// Each op has its place: layers and embeddings in a model, heads and MLPs in a
// layer.

craft.layer 0 {
}
// CHECK: 'craft.layer' expects parent op 'craft.model'

// -----

craft.head "h" qk {} ov {}
// CHECK: 'craft.head' expects parent op 'craft.layer'

// -----

craft.embed tokens {"a": {tokens:"a" = 1.0}}
// CHECK: 'craft.embed' expects parent op 'craft.model'

// -----

craft.unembed categorical {"a": {tokens:"a" = 1.0}}
// CHECK: 'craft.unembed' expects parent op 'craft.model'

// -----

// An embedding other than tokens and positions.

craft.model vocab {"a"} max_seq_len 1 bos "BOS" pad "PAD" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}}
  "craft.embed"() <{kind = "words", table = #craft.embedding<{}>}> : () -> ()
  craft.embed positions {0: {}, 1: {}}
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.model: needs exactly one tokens and one positions embedding, has ['tokens', 'words', 'positions']

// -----

// == Found by mutation fuzzing: passes relied on these ==

// The token rows are the vocab, bos and pad, as the la model embeds each.

craft.model vocab {"a"} max_seq_len 1 bos "B" pad "P" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}, "B": {one = 1.0}}
  craft.embed positions {0: {}, 1: {}}
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.embed tokens: the rows must be the vocab, bos and pad

// -----

craft.model vocab {"a"} max_seq_len 1 bos "B" pad "P" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}, "B": {}, "P": {}}
  craft.embed positions {0: {}, 7.5: {}}
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.embed positions: row 7.5 is not a position 0..1

// -----

craft.model vocab {"a"} max_seq_len 1 bos "B" pad "P" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}, "B": {}, "P": {}, "a": {}}
  craft.embed positions {0: {}, 1: {}}
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.embed tokens: row "a" is listed twice

// -----

craft.model vocab {"a"} max_seq_len 1 bos "B" pad "P" {
  craft.embed tokens {"a": {tokens:"a" = 1.0, tokens:"a" = 2.0}, "B": {}, "P": {}}
  craft.embed positions {0: {}, 1: {}}
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.embed tokens: row "a" lists tokens:"a" twice

// -----

craft.model vocab {"a"} max_seq_len 1 bos "B" pad "P" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}, "B": {}, "P": {}}
  craft.embed positions {0: {}, 1: {}}
  craft.unembed numerical {none: {tokens:"a" = 1.0}, 1: {tokens:"a" = 1.0}}
}
// CHECK: craft.unembed: a numerical output is read from one row, got 2

// -----

craft.model vocab {"a"} max_seq_len 1 bos "B" pad "P" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}, "B": {}, "P": {}}
  craft.embed positions {0: {}, 1: {}}
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.model: needs exactly one craft.unembed

// -----

craft.model vocab {"a"} max_seq_len 1 bos "B" pad "P" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}, "B": {}, "P": {}}
  %t = rasp.tokens "tokens" : !rasp.sop<categorical> values {"a"}
  craft.embed positions {0: {}, 1: {}}
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.model holds embeddings, shares, layers and one unembedding, not rasp.tokens

// -----

craft.model vocab {"a"} max_seq_len 1 bos "B" pad "P" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}, "B": {}, "P": {}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    craft.mlp "m" hidden 18446744073709551616 fst {} snd {}
  }
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.mlp 'm': hidden width 18446744073709551616 is over the limit of 1000000

// -----

// Weights are finite in the model's dtype.

craft.model vocab {"a"} max_seq_len 1 bos "B" pad "P" {
  craft.embed tokens {"a": {tokens:"a" = 1.0}, "B": {}, "P": {}}
  craft.embed positions {0: {}, 1: {}}
  craft.layer 0 {
    craft.head "h" qk {(one, one): 3.5e38} ov {}
  }
  craft.unembed categorical {"a": {tokens:"a" = 1.0}}
}
// CHECK: craft.head 'h': weight 3.5e+38 is not a finite float32
