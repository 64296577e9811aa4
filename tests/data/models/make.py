#!/usr/bin/env python3
"""make.py: writes the tiny synthetic model files the tests read (run from the repository root:
python3 tests/data/models/make.py).  No download: the formats are written from their specs,
safetensors (huggingface/safetensors README "Format") and GGUF (ggml docs/gguf.md), with the
ggml block sizes of llama.cpp's gguf-py constants (GGML_QUANT_SIZES).  Tensor data is zeros:
only the headers matter to fedplan, but the bytes are there so every offset is honest."""
import json, os, shutil, struct

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)

# ---------------------------------------------------------------- safetensors
ST_BITS = {"F64": 64, "F32": 32, "F16": 16, "BF16": 16, "F8_E4M3": 8, "F8_E5M2": 8, "I8": 8, "U8": 8,
           "I32": 32, "I64": 64, "BOOL": 8}

def safetensors(path, tensors, metadata=None):
    """tensors: list of (name, dtype, shape)."""
    hdr, off = {}, 0
    if metadata is not None:
        hdr["__metadata__"] = metadata
    for name, dt, shape in tensors:
        n = 1
        for d in shape:
            n *= d
        size = n * ST_BITS[dt] // 8
        hdr[name] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + size]}
        off += size
    text = json.dumps(hdr, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + bytes(off))

def llama_tensors(layers, h, inter, heads, kv, vocab, wdt="BF16", ndt="F32", tied=False):
    hd = h // heads
    t = [("model.embed_tokens.weight", wdt, [vocab, h])]
    for i in range(layers):
        p = "model.layers.%d." % i
        t += [(p + "self_attn.q_proj.weight", wdt, [heads * hd, h]), (p + "self_attn.k_proj.weight", wdt, [kv * hd, h]),
              (p + "self_attn.v_proj.weight", wdt, [kv * hd, h]), (p + "self_attn.o_proj.weight", wdt, [h, heads * hd]),
              (p + "mlp.gate_proj.weight", wdt, [inter, h]), (p + "mlp.up_proj.weight", wdt, [inter, h]),
              (p + "mlp.down_proj.weight", wdt, [h, inter]), (p + "input_layernorm.weight", ndt, [h]),
              (p + "post_attention_layernorm.weight", ndt, [h])]
    t.append(("model.norm.weight", ndt, [h]))
    if not tied:
        t.append(("lm_head.weight", wdt, [vocab, h]))
    return t

def glm4moe_layer(i, c, wdt="BF16", ndt="F32"):
    """One Glm4MoeDecoderLayer as transformers names its tensors: q/k/v with biases, o without;
    layers before first_k_dense_replace dense, the rest a router (with e_score_correction_bias),
    routed experts and the shared experts as one MLP."""
    h, hd, p = c["h"], c["hd"], "model.layers.%d." % i
    t = [(p + "input_layernorm.weight", ndt, [h]), (p + "post_attention_layernorm.weight", ndt, [h])]
    for proj, n in [("q", c["heads"]), ("k", c["kv"]), ("v", c["kv"])]:
        t += [(p + "self_attn.%s_proj.weight" % proj, wdt, [n * hd, h]), (p + "self_attn.%s_proj.bias" % proj, wdt, [n * hd])]
    t.append((p + "self_attn.o_proj.weight", wdt, [h, c["heads"] * hd]))
    def mlp(q, inter):
        return [(q + "gate_proj.weight", wdt, [inter, h]), (q + "up_proj.weight", wdt, [inter, h]),
                (q + "down_proj.weight", wdt, [h, inter])]
    if i < c["dense"]:
        return t + mlp(p + "mlp.", c["inter"])
    t += [(p + "mlp.gate.weight", wdt, [c["experts"], h]), (p + "mlp.gate.e_score_correction_bias", "F32", [c["experts"]])]
    for e in range(c["experts"]):
        t += mlp(p + "mlp.experts.%d." % e, c["moe"])
    return t + mlp(p + "mlp.shared_experts.", c["moe"] * c["shared"])

def glm4moe_checkpoint_tensors(c):
    """The model, then its NextN/MTP layers as GLM-4.5 stores them: model.layers.N for N from
    num_hidden_layers on, each a decoder layer with eh_proj, enorm, hnorm and its own embedding
    and head (shared_head)."""
    h, v = c["h"], c["vocab"]
    t = [("model.embed_tokens.weight", "BF16", [v, h])]
    for i in range(c["layers"]):
        t += glm4moe_layer(i, c)
    t += [("model.norm.weight", "F32", [h]), ("lm_head.weight", "BF16", [v, h])]
    for i in range(c["layers"], c["layers"] + c["nextn"]):
        p = "model.layers.%d." % i
        t += glm4moe_layer(i, c) + [(p + "eh_proj.weight", "BF16", [h, 2 * h]), (p + "enorm.weight", "F32", [h]),
                                    (p + "hnorm.weight", "F32", [h]), (p + "embed_tokens.weight", "BF16", [v, h]),
                                    (p + "shared_head.head.weight", "BF16", [v, h]),
                                    (p + "shared_head.norm.weight", "F32", [h])]
    return t

def glm4moe_config(c):
    return {"architectures": ["Glm4MoeForCausalLM"], "model_type": "glm4_moe", "vocab_size": c["vocab"],
            "hidden_size": c["h"], "intermediate_size": c["inter"], "moe_intermediate_size": c["moe"],
            "num_hidden_layers": c["layers"], "num_attention_heads": c["heads"], "num_key_value_heads": c["kv"],
            "head_dim": c["hd"], "partial_rotary_factor": 0.5, "n_routed_experts": c["experts"],
            "n_shared_experts": c["shared"], "num_experts_per_tok": 2, "first_k_dense_replace": c["dense"],
            "n_group": 1, "topk_group": 1, "norm_topk_prob": True, "attention_bias": True, "use_qk_norm": False,
            "num_nextn_predict_layers": c["nextn"], "max_position_embeddings": 64, "tie_word_embeddings": False,
            "torch_dtype": "bfloat16"}

def llama_config(layers, h=16, inter=32, heads=4, kv=2, vocab=32, extra=None):
    c = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": vocab, "hidden_size": h,
         "intermediate_size": inter, "num_hidden_layers": layers, "num_attention_heads": heads,
         "num_key_value_heads": kv, "max_position_embeddings": 64, "tie_word_embeddings": False,
         "torch_dtype": "bfloat16"}
    c.update(extra or {})
    return c

def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")

def checkpoint(d, config, tensors, shards=1):
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    write_json(os.path.join(d, "config.json"), config)
    if shards == 1:
        safetensors(os.path.join(d, "model.safetensors"), tensors, {"format": "pt"})
        return
    per = (len(tensors) + shards - 1) // shards
    wm, total = {}, 0
    for s in range(shards):
        name = "model-%05d-of-%05d.safetensors" % (s + 1, shards)
        part = tensors[s * per:(s + 1) * per]
        safetensors(os.path.join(d, name), part, {"format": "pt"})
        for n, dt, shape in part:
            wm[n] = name
            k = 1
            for x in shape:
                k *= x
            total += k * ST_BITS[dt] // 8
    write_json(os.path.join(d, "model.safetensors.index.json"), {"metadata": {"total_size": total}, "weight_map": wm})

def fp8_tensors(layers, h, inter, heads, kv, vocab):
    """DeepSeek-V3 style: linear weights F8_E4M3 + F32 weight_scale_inv per 128x128 block."""
    t = []
    for name, dt, shape in llama_tensors(layers, h, inter, heads, kv, vocab, ndt="BF16"):
        if ".layers." in name and name.endswith("proj.weight"):
            t.append((name, "F8_E4M3", shape))
            t.append((name.replace(".weight", ".weight_scale_inv"), "F32",
                      [(shape[0] + 127) // 128, (shape[1] + 127) // 128]))
        else:
            t.append((name, dt, shape))
    return t

# ---------------------------------------------------------------- GGUF
# (block size, bytes per block): llama.cpp gguf-py/gguf/constants.py GGML_QUANT_SIZES
GGML = {"F32": (0, 1, 4), "F16": (1, 1, 2), "Q4_0": (2, 32, 18), "Q4_1": (3, 32, 20), "Q5_0": (6, 32, 22),
        "Q5_1": (7, 32, 24), "Q8_0": (8, 32, 34), "Q8_1": (9, 32, 36), "Q2_K": (10, 256, 84), "Q3_K": (11, 256, 110),
        "Q4_K": (12, 256, 144), "Q5_K": (13, 256, 176), "Q6_K": (14, 256, 210), "Q8_K": (15, 256, 292),
        "IQ2_XXS": (16, 256, 66), "IQ2_XS": (17, 256, 74), "IQ3_XXS": (18, 256, 98), "IQ1_S": (19, 256, 50),
        "IQ4_NL": (20, 32, 18), "IQ3_S": (21, 256, 110), "IQ2_S": (22, 256, 82), "IQ4_XS": (23, 256, 136),
        "I8": (24, 1, 1), "I16": (25, 1, 2), "I32": (26, 1, 4), "I64": (27, 1, 8), "F64": (28, 1, 8),
        "IQ1_M": (29, 256, 56), "BF16": (30, 1, 2), "TQ1_0": (34, 256, 54), "TQ2_0": (35, 256, 66),
        "MXFP4": (39, 32, 17)}

def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b

def gkv(key, value):
    if isinstance(value, str):
        return gstr(key) + struct.pack("<I", 8) + gstr(value)
    if isinstance(value, bool):
        return gstr(key) + struct.pack("<IB", 7, int(value))
    if isinstance(value, float):
        return gstr(key) + struct.pack("<If", 6, value)
    if isinstance(value, list):  # a list of strings (the tokenizer's tokens)
        return gstr(key) + struct.pack("<IIQ", 9, 8, len(value)) + b"".join(gstr(v) for v in value)
    return gstr(key) + struct.pack("<II", 4, value)  # uint32

def gguf(path, kvs, tensors, align=32):
    """kvs: list of (key, value); tensors: list of (name, type, dims) with dims ggml-ordered (ne0 first)."""
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs)) + b"".join(gkv(k, v) for k, v in kvs)
    off, infos = 0, b""
    for name, ty, dims in tensors:
        tid, blk, tsz = GGML[ty]
        n = 1
        for d in dims:
            n *= d
        size = n // blk * tsz
        infos += gstr(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        infos += struct.pack("<IQ", tid, off)
        off += (size + align - 1) // align * align
    out += infos
    out += bytes((align - len(out) % align) % align)
    with open(path, "wb") as f:
        f.write(out + bytes(off))

def llama_gguf_tensors(layers, h, ff, heads, kv, vocab, mix):
    hd = h // heads
    t = [("token_embd.weight", mix["embd"], [h, vocab])]
    for i in range(layers):
        p = "blk.%d." % i
        t += [(p + "attn_norm.weight", "F32", [h]), (p + "attn_q.weight", mix["q"], [h, heads * hd]),
              (p + "attn_k.weight", mix["k"], [h, kv * hd]), (p + "attn_v.weight", mix["v"], [h, kv * hd]),
              (p + "attn_output.weight", mix["o"], [heads * hd, h]), (p + "ffn_norm.weight", "F32", [h]),
              (p + "ffn_gate.weight", mix["gate"], [h, ff]), (p + "ffn_up.weight", mix["up"], [h, ff]),
              (p + "ffn_down.weight", mix["down"], [ff, h])]
    t += [("output_norm.weight", "F32", [h]), ("output.weight", mix["out"], [h, vocab])]
    return t

def llama_kvs(layers, h, ff, heads, kv, vocab, name, extra=()):
    return [("general.architecture", "llama"), ("general.name", name), ("llama.context_length", 128),
            ("llama.embedding_length", h), ("llama.block_count", layers), ("llama.feed_forward_length", ff),
            ("llama.attention.head_count", heads), ("llama.attention.head_count_kv", kv),
            ("llama.rope.freq_base", 10000.0), ("general.file_type", 15),
            ("tokenizer.ggml.tokens", ["t%d" % i for i in range(vocab)])] + list(extra)

def qwen3_gguf_tensors(layers, h, ff, heads, kv, hd, vocab):
    """llama.cpp's qwen3 tensors (src/llama-model.cpp, LLM_ARCH_QWEN3): head_dim apart from
    h / heads, q_norm and k_norm over head_dim, tied embeddings (no output.weight)."""
    t = [("token_embd.weight", "Q8_0", [h, vocab])]
    for i in range(layers):
        p = "blk.%d." % i
        t += [(p + "attn_norm.weight", "F32", [h]), (p + "attn_q.weight", "Q8_0", [h, heads * hd]),
              (p + "attn_k.weight", "Q8_0", [h, kv * hd]), (p + "attn_v.weight", "Q6_K", [h, kv * hd]),
              (p + "attn_output.weight", "Q8_0", [heads * hd, h]), (p + "attn_q_norm.weight", "F32", [hd]),
              (p + "attn_k_norm.weight", "F32", [hd]), (p + "ffn_norm.weight", "F32", [h]),
              (p + "ffn_gate.weight", "Q8_0", [h, ff]), (p + "ffn_up.weight", "Q8_0", [h, ff]),
              (p + "ffn_down.weight", "Q6_K", [ff, h])]
    return t + [("output_norm.weight", "F32", [h])]

def deepseek2_gguf_tensors(c):
    """llama.cpp's deepseek2 tensors as convert writes them for MLA served as MQA (attn_kv_b split
    into attn_k_b and attn_v_b), DeepSeek-V3's router bias (exp_probs_b), merged experts."""
    h, heads, ql, kl, nope, rope, v = c["h"], c["heads"], c["q_lora"], c["kv_lora"], c["nope"], c["rope"], c["v"]
    t = [("token_embd.weight", "F16", [h, c["vocab"]])]
    for i in range(c["layers"]):
        p = "blk.%d." % i
        t += [(p + "attn_norm.weight", "F32", [h]), (p + "attn_q_a.weight", "F16", [h, ql]),
              (p + "attn_q_a_norm.weight", "F32", [ql]), (p + "attn_q_b.weight", "F16", [ql, heads * (nope + rope)]),
              (p + "attn_kv_a_mqa.weight", "F16", [h, kl + rope]), (p + "attn_kv_a_norm.weight", "F32", [kl]),
              (p + "attn_k_b.weight", "F16", [nope, kl, heads]), (p + "attn_v_b.weight", "F16", [kl, v, heads]),
              (p + "attn_output.weight", "F16", [heads * v, h]), (p + "ffn_norm.weight", "F32", [h])]
        if i < c["dense"]:
            t += [(p + "ffn_gate.weight", "F16", [h, c["ff"]]), (p + "ffn_up.weight", "F16", [h, c["ff"]]),
                  (p + "ffn_down.weight", "F16", [c["ff"], h])]
        else:
            e, mf, sh = c["experts"], c["moe_ff"], c["moe_ff"] * c["shared"]
            t += [(p + "ffn_gate_inp.weight", "F32", [h, e]), (p + "exp_probs_b.bias", "F32", [e]),
                  (p + "ffn_gate_exps.weight", "F16", [h, mf, e]), (p + "ffn_up_exps.weight", "F16", [h, mf, e]),
                  (p + "ffn_down_exps.weight", "F16", [mf, h, e]), (p + "ffn_gate_shexp.weight", "F16", [h, sh]),
                  (p + "ffn_up_shexp.weight", "F16", [h, sh]), (p + "ffn_down_shexp.weight", "F16", [sh, h])]
    return t + [("output_norm.weight", "F32", [h]), ("output.weight", "F16", [h, c["vocab"]])]

def qwen3moe_gguf_tensors(c):
    """llama.cpp's qwen3moe tensors (LLM_ARCH_QWEN3MOE): qwen3 attention with QK-norm, in every
    layer a router and merged routed experts (ffn_*_exps), no shared expert."""
    h, hd, e, mf = c["h"], c["hd"], c["experts"], c["moe_ff"]
    t = [("token_embd.weight", "Q8_0", [h, c["vocab"]])]
    for i in range(c["layers"]):
        p = "blk.%d." % i
        t += [(p + "attn_norm.weight", "F32", [h]), (p + "attn_q.weight", "Q4_0", [h, c["heads"] * hd]),
              (p + "attn_k.weight", "Q4_0", [h, c["kv"] * hd]), (p + "attn_v.weight", "Q4_0", [h, c["kv"] * hd]),
              (p + "attn_output.weight", "Q4_0", [c["heads"] * hd, h]), (p + "attn_q_norm.weight", "F32", [hd]),
              (p + "attn_k_norm.weight", "F32", [hd]), (p + "ffn_norm.weight", "F32", [h]),
              (p + "ffn_gate_inp.weight", "F32", [h, e]), (p + "ffn_gate_exps.weight", "Q4_K", [h, mf, e]),
              (p + "ffn_up_exps.weight", "Q4_K", [h, mf, e]), (p + "ffn_down_exps.weight", "Q4_0", [mf, h, e])]
    return t + [("output_norm.weight", "F32", [h]), ("output.weight", "Q8_0", [h, c["vocab"]])]

def gemma3_gguf_tensors(c):
    """llama.cpp's gemma3 tensors (LLM_ARCH_GEMMA3): four norms per layer (attn_norm,
    post_attention_norm, ffn_norm, post_ffw_norm), QK-norm over head_dim, the head tied to
    token_embd (no output.weight)."""
    h, hd, ff = c["h"], c["hd"], c["ff"]
    t = [("token_embd.weight", "Q8_0", [h, c["vocab"]])]
    for i in range(c["layers"]):
        p = "blk.%d." % i
        t += [(p + "attn_norm.weight", "F32", [h]), (p + "attn_q.weight", "Q4_0", [h, c["heads"] * hd]),
              (p + "attn_k.weight", "Q4_0", [h, c["kv"] * hd]), (p + "attn_v.weight", "Q4_0", [h, c["kv"] * hd]),
              (p + "attn_output.weight", "Q4_0", [c["heads"] * hd, h]), (p + "attn_q_norm.weight", "F32", [hd]),
              (p + "attn_k_norm.weight", "F32", [hd]), (p + "post_attention_norm.weight", "F32", [h]),
              (p + "ffn_norm.weight", "F32", [h]), (p + "ffn_gate.weight", "Q4_0", [h, ff]),
              (p + "ffn_up.weight", "Q4_0", [h, ff]), (p + "ffn_down.weight", "Q4_0", [ff, h]),
              (p + "post_ffw_norm.weight", "F32", [h])]
    return t + [("output_norm.weight", "F32", [h])]

def llama4_gguf_tensors(c):
    """llama.cpp's llama4 tensors (LLM_ARCH_LLAMA4): layer i has experts when (i + 1) is a
    multiple of interleave_moe_layer_step (a router, merged experts of expert_feed_forward_length
    and one shared expert ffn_*_shexp of the same width), else a dense MLP of
    feed_forward_length; no QK-norm weights (Llama 4's is an L2 norm)."""
    h, hd, ff, mf, e = c["h"], c["hd"], c["ff"], c["moe_ff"], c["experts"]
    t = [("token_embd.weight", "Q8_0", [h, c["vocab"]])]
    for i in range(c["layers"]):
        p = "blk.%d." % i
        t += [(p + "attn_norm.weight", "F32", [h]), (p + "attn_q.weight", "Q4_0", [h, c["heads"] * hd]),
              (p + "attn_k.weight", "Q4_0", [h, c["kv"] * hd]), (p + "attn_v.weight", "Q4_0", [h, c["kv"] * hd]),
              (p + "attn_output.weight", "Q4_0", [c["heads"] * hd, h]), (p + "ffn_norm.weight", "F32", [h])]
        if (i + 1) % c["step"] == 0:
            t += [(p + "ffn_gate_inp.weight", "F32", [h, e]), (p + "ffn_gate_exps.weight", "Q4_0", [h, mf, e]),
                  (p + "ffn_up_exps.weight", "Q4_0", [h, mf, e]), (p + "ffn_down_exps.weight", "Q4_0", [mf, h, e]),
                  (p + "ffn_gate_shexp.weight", "Q4_0", [h, mf]), (p + "ffn_up_shexp.weight", "Q4_0", [h, mf]),
                  (p + "ffn_down_shexp.weight", "Q4_0", [mf, h])]
        else:
            t += [(p + "ffn_gate.weight", "Q4_0", [h, ff]), (p + "ffn_up.weight", "Q4_0", [h, ff]),
                  (p + "ffn_down.weight", "Q4_0", [ff, h])]
    return t + [("output_norm.weight", "F32", [h]), ("output.weight", "Q8_0", [h, c["vocab"]])]

def gpt_oss_gguf_tensors(c):
    """llama.cpp's gpt-oss tensors (LLM_ARCH_OPENAI_MOE, "gpt-oss"): q/k/v/o with biases, one
    sink logit per head (attn_sinks), post_attention_norm before the MoE, a router with bias,
    merged experts in MXFP4 (ggml type 39, as convert repacks the released blocks and scales)
    with F32 biases of [width, experts]."""
    h, hd, e, mf, nh, kv = c["h"], c["hd"], c["experts"], c["moe_ff"], c["heads"], c["kv"]
    t = [("token_embd.weight", "Q8_0", [h, c["vocab"]])]
    for i in range(c["layers"]):
        p = "blk.%d." % i
        t += [(p + "attn_norm.weight", "F32", [h]), (p + "attn_q.weight", "BF16", [h, nh * hd]),
              (p + "attn_q.bias", "F32", [nh * hd]), (p + "attn_k.weight", "BF16", [h, kv * hd]),
              (p + "attn_k.bias", "F32", [kv * hd]), (p + "attn_v.weight", "BF16", [h, kv * hd]),
              (p + "attn_v.bias", "F32", [kv * hd]), (p + "attn_output.weight", "BF16", [nh * hd, h]),
              (p + "attn_output.bias", "F32", [h]), (p + "attn_sinks.weight", "F32", [nh]),
              (p + "post_attention_norm.weight", "F32", [h]), (p + "ffn_gate_inp.weight", "F32", [h, e]),
              (p + "ffn_gate_inp.bias", "F32", [e]), (p + "ffn_gate_exps.weight", "MXFP4", [h, mf, e]),
              (p + "ffn_gate_exps.bias", "F32", [mf, e]), (p + "ffn_up_exps.weight", "MXFP4", [h, mf, e]),
              (p + "ffn_up_exps.bias", "F32", [mf, e]), (p + "ffn_down_exps.weight", "MXFP4", [mf, h, e]),
              (p + "ffn_down_exps.bias", "F32", [h, e])]
    return t + [("output_norm.weight", "F32", [h]), ("output.weight", "Q8_0", [h, c["vocab"]])]

def glm4moe_gguf_tensors(c):
    """llama.cpp's glm4moe tensors (LLM_ARCH_GLM4_MOE): q/k/v biases, QK-norm, post_attention_norm;
    leading_dense_block_count dense layers, then a router with its score-correction bias
    (exp_probs_b), merged experts and expert_shared_count shared experts; convert writes the
    num_nextn_predict_layers MTP layers as the last blocks, each a full MoE layer plus its
    nextn.* tensors (eh_proj, enorm, hnorm, shared_head_norm; embed_tokens and
    shared_head_head are optional and left out here)."""
    h, hd, ff, mf, e, nh, kv = c["h"], c["hd"], c["ff"], c["moe_ff"], c["experts"], c["heads"], c["kv"]
    sh = mf * c["shared"]
    t = [("token_embd.weight", "Q8_0", [h, c["vocab"]])]
    for i in range(c["layers"] + c["nextn"]):
        p = "blk.%d." % i
        t += [(p + "attn_norm.weight", "F32", [h]), (p + "attn_q.weight", "Q4_0", [h, nh * hd]),
              (p + "attn_q.bias", "F32", [nh * hd]), (p + "attn_k.weight", "Q4_0", [h, kv * hd]),
              (p + "attn_k.bias", "F32", [kv * hd]), (p + "attn_v.weight", "Q4_0", [h, kv * hd]),
              (p + "attn_v.bias", "F32", [kv * hd]), (p + "attn_output.weight", "Q4_0", [nh * hd, h]),
              (p + "attn_q_norm.weight", "F32", [hd]), (p + "attn_k_norm.weight", "F32", [hd]),
              (p + "post_attention_norm.weight", "F32", [h])]
        if i < c["dense"]:
            t += [(p + "ffn_gate.weight", "Q4_0", [h, ff]), (p + "ffn_up.weight", "Q4_0", [h, ff]),
                  (p + "ffn_down.weight", "Q4_0", [ff, h])]
        else:
            t += [(p + "ffn_gate_inp.weight", "F32", [h, e]), (p + "exp_probs_b.bias", "F32", [e]),
                  (p + "ffn_gate_exps.weight", "Q4_0", [h, mf, e]), (p + "ffn_up_exps.weight", "Q4_0", [h, mf, e]),
                  (p + "ffn_down_exps.weight", "Q4_0", [mf, h, e]), (p + "ffn_gate_shexp.weight", "Q4_0", [h, sh]),
                  (p + "ffn_up_shexp.weight", "Q4_0", [h, sh]), (p + "ffn_down_shexp.weight", "Q4_0", [sh, h])]
        if i >= c["layers"]:
            t += [(p + "nextn.eh_proj.weight", "Q4_0", [2 * h, h]), (p + "nextn.enorm.weight", "F32", [h]),
                  (p + "nextn.hnorm.weight", "F32", [h]), (p + "nextn.shared_head_norm.weight", "F32", [h])]
    return t + [("output_norm.weight", "F32", [h]), ("output.weight", "Q8_0", [h, c["vocab"]])]

def arch_kvs(arch, name, c, extra):
    """The keys every convert writes (TextModel.set_gguf_parameters), then the model's own."""
    a = arch + "."
    kvs = [("general.architecture", arch), ("general.name", name), (a + "context_length", 4096),
           (a + "embedding_length", c["h"]), (a + "block_count", c["layers"] + c.get("nextn", 0)),
           (a + "attention.head_count", c["heads"]), (a + "attention.head_count_kv", c["kv"]),
           (a + "attention.key_length", c["hd"]), (a + "attention.value_length", c["hd"]),
           (a + "rope.freq_base", 1000000.0), (a + "attention.layer_norm_rms_epsilon", 1e-6)]
    kvs += [(a + k, v) for k, v in extra]
    return kvs + [("tokenizer.ggml.tokens", ["t%d" % i for i in range(c["vocab"])])]

def main():
    M = HERE
    # a checkpoint directory in two shards with an index: bf16 matrices, f32 norms
    checkpoint(os.path.join(M, "tiny-llama"), llama_config(2), llama_tensors(2, 16, 32, 4, 2, 32), shards=2)
    # one shard, no index, and a config that claims three layers: the counts disagree
    checkpoint(os.path.join(M, "tiny-llama-mismatch"), llama_config(3), llama_tensors(2, 16, 32, 4, 2, 32))
    # GLM-4.5's layout: a dense first layer, then MoE, and the MTP layer past num_hidden_layers,
    # in two shards with an index
    g = {"layers": 2, "nextn": 1, "h": 16, "hd": 8, "heads": 4, "kv": 2, "inter": 32, "moe": 8, "experts": 4,
         "shared": 1, "dense": 1, "vocab": 32}
    checkpoint(os.path.join(M, "tiny-glm4moe-mtp"), glm4moe_config(g), glm4moe_checkpoint_tensors(g), shards=2)
    # fp8 with 128x128 block scales (quantization_config as DeepSeek-V3 and Qwen3-FP8 write it)
    qc = {"quant_method": "fp8", "fmt": "e4m3", "activation_scheme": "dynamic", "weight_block_size": [128, 128]}
    checkpoint(os.path.join(M, "tiny-llama-fp8"), llama_config(2, h=256, inter=512, heads=4, kv=2, vocab=64,
                                                               extra={"quantization_config": qc}),
               fp8_tensors(2, 256, 512, 4, 2, 64))
    # a method fedplan has no formula for (compressed-tensors, as llm-compressor writes fp8
    # checkpoints): the tensors' bytes size the weights
    qc = {"quant_method": "compressed-tensors", "format": "float-quantized", "quantization_status": "compressed"}
    checkpoint(os.path.join(M, "tiny-llama-ct"), llama_config(2, h=256, inter=512, heads=4, kv=2, vocab=64,
                                                              extra={"quantization_config": qc}),
               fp8_tensors(2, 256, 512, 4, 2, 64))
    # config.json files with each quantization_config (no weights: the formula sizes them)
    for name, qc in [("gptq", {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": False, "sym": True}),
                     ("awq", {"quant_method": "awq", "bits": 4, "group_size": 64, "zero_point": True, "version": "gemm"}),
                     ("bnb4", {"quant_method": "bitsandbytes", "load_in_4bit": True, "bnb_4bit_quant_type": "nf4",
                               "bnb_4bit_use_double_quant": True}),
                     ("bnb8", {"quant_method": "bitsandbytes", "load_in_8bit": True}),
                     ("mxfp4", {"quant_method": "mxfp4", "modules_to_not_convert": ["model.layers.*.self_attn",
                                "model.layers.*.mlp.router", "model.embed_tokens", "lm_head"]}),
                     ("gptq3", {"quant_method": "gptq", "bits": 3, "group_size": 128}),
                     ("hqq", {"quant_method": "hqq", "nbits": 4})]:
        cfg = llama_config(2, h=256, inter=512, heads=4, kv=2, vocab=64, extra={"quantization_config": qc})
        if name == "mxfp4":  # experts to quantize: a mixtral
            cfg.update({"model_type": "mixtral", "architectures": ["MixtralForCausalLM"], "num_local_experts": 4,
                        "num_experts_per_tok": 2})
        write_json(os.path.join(M, "quant-%s.json" % name), cfg)

    # GGUF: a Q4_K_M-style mixture (Q4_K, Q6_K for v/down/output, F32 norms)
    mix = {"embd": "Q4_K", "q": "Q4_K", "k": "Q4_K", "v": "Q6_K", "o": "Q4_K", "gate": "Q4_K", "up": "Q4_K",
           "down": "Q6_K", "out": "Q6_K"}
    t = llama_gguf_tensors(2, 256, 512, 4, 2, 64, mix)
    gguf(os.path.join(M, "tiny-llama-Q4_K_M.gguf"), llama_kvs(2, 256, 512, 4, 2, 64, "tiny-llama"), t)
    # the same model split in two by gguf-split: metadata in the first, split.* keys in both
    half = len(t) // 2
    gguf(os.path.join(M, "tiny-split-00001-of-00002.gguf"),
         llama_kvs(2, 256, 512, 4, 2, 64, "tiny-split", [("split.no", 0), ("split.count", 2),
                                                          ("split.tensors.count", len(t))]), t[:half])
    gguf(os.path.join(M, "tiny-split-00002-of-00002.gguf"),
         [("split.no", 1), ("split.count", 2), ("split.tensors.count", len(t))], t[half:])
    # qwen3: head_dim 128 where h / heads is 64, QK-norm, tied embeddings (the keys convert writes:
    # llama.cpp convert_hf_to_gguf.py TextModel.set_gguf_parameters; names: src/llama-arch.cpp)
    gguf(os.path.join(M, "tiny-qwen3-Q8_0.gguf"),
         [("general.architecture", "qwen3"), ("general.name", "tiny-qwen3"), ("qwen3.context_length", 256),
          ("qwen3.embedding_length", 256), ("qwen3.block_count", 2), ("qwen3.feed_forward_length", 512),
          ("qwen3.attention.head_count", 4), ("qwen3.attention.head_count_kv", 2),
          ("qwen3.attention.key_length", 128), ("qwen3.attention.value_length", 128),
          ("qwen3.rope.freq_base", 1000000.0), ("tokenizer.ggml.tokens", ["t%d" % i for i in range(64)])],
         qwen3_gguf_tensors(2, 256, 512, 4, 2, 128, 64))
    # deepseek2 as DeepSeek-V3 / Kimi-K2 convert to it (DeepseekV2Model): MLA ranks, the MQA form of
    # key_length / value_length with the per-head sizes in key_length_mla / value_length_mla, one
    # leading dense layer, routed experts plus a shared one, the router's exp_probs_b
    ds = {"h": 256, "heads": 4, "q_lora": 64, "kv_lora": 32, "nope": 32, "rope": 16, "v": 32, "layers": 3,
          "dense": 1, "ff": 512, "experts": 4, "used": 2, "moe_ff": 128, "shared": 1, "vocab": 64}
    a = "deepseek2."
    gguf(os.path.join(M, "tiny-deepseek2.gguf"),
         [("general.architecture", "deepseek2"), ("general.name", "tiny-deepseek-v3"), (a + "context_length", 512),
          (a + "embedding_length", ds["h"]), (a + "block_count", ds["layers"]), (a + "feed_forward_length", ds["ff"]),
          (a + "attention.head_count", ds["heads"]), (a + "attention.head_count_kv", 1),
          (a + "attention.q_lora_rank", ds["q_lora"]), (a + "attention.kv_lora_rank", ds["kv_lora"]),
          (a + "rope.dimension_count", ds["rope"]), (a + "attention.key_length", ds["kv_lora"] + ds["rope"]),
          (a + "attention.value_length", ds["kv_lora"]), (a + "attention.key_length_mla", ds["nope"] + ds["rope"]),
          (a + "attention.value_length_mla", ds["v"]), (a + "leading_dense_block_count", ds["dense"]),
          (a + "expert_feed_forward_length", ds["moe_ff"]), (a + "expert_count", ds["experts"]),
          (a + "expert_used_count", ds["used"]), (a + "expert_shared_count", ds["shared"]),
          (a + "expert_gating_func", 2), ("tokenizer.ggml.tokens", ["t%d" % i for i in range(ds["vocab"])])],
         deepseek2_gguf_tensors(ds))
    # qwen3moe as Qwen3-30B-A3B converts (Qwen3MoeModel): routed experts only, no shared one;
    # feed_forward_length is the config's unused dense intermediate_size
    c = {"h": 256, "heads": 4, "kv": 2, "hd": 128, "layers": 2, "experts": 4, "used": 2, "moe_ff": 128,
         "vocab": 64}
    gguf(os.path.join(M, "tiny-qwen3moe.gguf"),
         arch_kvs("qwen3moe", "tiny-qwen3moe", c, [("feed_forward_length", 768), ("expert_count", c["experts"]),
                                                   ("expert_used_count", c["used"]),
                                                   ("expert_feed_forward_length", c["moe_ff"])]),
         qwen3moe_gguf_tensors(c))
    # gemma3 as Gemma3Model converts it: sliding_window written (the 5:1 pattern is llama.cpp's
    # own: every 6th layer global), no output.weight
    c = {"h": 128, "heads": 2, "kv": 1, "hd": 128, "layers": 7, "ff": 256, "vocab": 64}
    gguf(os.path.join(M, "tiny-gemma3.gguf"),
         arch_kvs("gemma3", "tiny-gemma3", c, [("feed_forward_length", c["ff"]), ("attention.sliding_window", 512)]),
         gemma3_gguf_tensors(c))
    # a gemma3 whose config has sliding_window_pattern 1 (every layer global): no sliding_window key
    c = {"h": 128, "heads": 2, "kv": 1, "hd": 128, "layers": 2, "ff": 256, "vocab": 64}
    gguf(os.path.join(M, "tiny-gemma3-global.gguf"),
         arch_kvs("gemma3", "tiny-gemma3-global", c, [("feed_forward_length", c["ff"])]), gemma3_gguf_tensors(c))
    # llama4 as Llama4Model converts it: feed_forward_length is intermediate_size_mlp,
    # expert_feed_forward_length the experts' intermediate_size, interleave_moe_layer_step 2;
    # no sliding_window key: llama.cpp's chunked attention (8192, every 4th layer NoPE and global)
    c = {"h": 128, "heads": 4, "kv": 2, "hd": 64, "layers": 4, "ff": 256, "moe_ff": 128, "experts": 4,
         "step": 2, "vocab": 64}
    gguf(os.path.join(M, "tiny-llama4.gguf"),
         arch_kvs("llama4", "tiny-llama4", c, [("feed_forward_length", c["ff"]), ("expert_count", c["experts"]),
                                               ("expert_used_count", 1), ("expert_feed_forward_length", c["moe_ff"]),
                                               ("interleave_moe_layer_step", c["step"])]),
         llama4_gguf_tensors(c))
    # a llama4 whose layer_types are all full_attention: Llama4Model writes sliding_window 0
    c = {"h": 128, "heads": 4, "kv": 2, "hd": 64, "layers": 2, "ff": 256, "moe_ff": 128, "experts": 4,
         "step": 2, "vocab": 64}
    gguf(os.path.join(M, "tiny-llama4-nochunk.gguf"),
         arch_kvs("llama4", "tiny-llama4-nochunk", c, [("feed_forward_length", c["ff"]), ("expert_count", c["experts"]),
                                                       ("expert_used_count", 1),
                                                       ("expert_feed_forward_length", c["moe_ff"]),
                                                       ("interleave_moe_layer_step", c["step"]),
                                                       ("attention.sliding_window", 0)]),
         llama4_gguf_tensors(c))
    # gpt-oss as GptOssModel converts it: MXFP4 experts, sliding_window 128 on every other layer
    # (llama.cpp's pattern), expert_feed_forward_length = intermediate_size
    c = {"h": 128, "heads": 4, "kv": 2, "hd": 64, "layers": 2, "experts": 4, "moe_ff": 128, "vocab": 64}
    gguf(os.path.join(M, "tiny-gpt-oss-mxfp4.gguf"),
         arch_kvs("gpt-oss", "tiny-gpt-oss", c, [("feed_forward_length", c["moe_ff"]), ("expert_count", c["experts"]),
                                                 ("expert_used_count", 2), ("attention.sliding_window", 128),
                                                 ("expert_feed_forward_length", c["moe_ff"])]),
         gpt_oss_gguf_tensors(c))
    # glm4moe as Glm4MoeModel converts GLM-4.5: one leading dense layer, a shared expert, the
    # router bias, and the MTP layer kept as the last block (block_count = 3 + nextn_predict_layers 1)
    c = {"h": 128, "heads": 4, "kv": 2, "hd": 64, "layers": 3, "nextn": 1, "dense": 1, "ff": 256, "moe_ff": 64,
         "experts": 4, "shared": 1, "vocab": 64}
    gguf(os.path.join(M, "tiny-glm4moe.gguf"),
         arch_kvs("glm4moe", "tiny-glm4moe", c, [("feed_forward_length", c["ff"]), ("expert_count", c["experts"]),
                                                 ("expert_used_count", 2), ("expert_shared_count", c["shared"]),
                                                 ("expert_feed_forward_length", c["moe_ff"]),
                                                 ("leading_dense_block_count", c["dense"]),
                                                 ("nextn_predict_layers", c["nextn"]), ("expert_gating_func", 2)]),
         glm4moe_gguf_tensors(c))
    # the same split in two: the MTP block is in the second part, whose metadata has no glm4moe keys
    t = glm4moe_gguf_tensors(c)
    kvs = arch_kvs("glm4moe", "tiny-glm4moe-split", c, [("feed_forward_length", c["ff"]),
                                                        ("expert_count", c["experts"]), ("expert_used_count", 2),
                                                        ("expert_shared_count", c["shared"]),
                                                        ("expert_feed_forward_length", c["moe_ff"]),
                                                        ("leading_dense_block_count", c["dense"]),
                                                        ("nextn_predict_layers", c["nextn"])])
    half = len(t) // 2
    gguf(os.path.join(M, "tiny-glm4moe-00001-of-00002.gguf"),
         kvs + [("split.no", 0), ("split.count", 2), ("split.tensors.count", len(t))], t[:half])
    gguf(os.path.join(M, "tiny-glm4moe-00002-of-00002.gguf"),
         [("split.no", 1), ("split.count", 2), ("split.tensors.count", len(t))], t[half:])
    # every ggml type fedplan knows, one 2 x 256 tensor each, under llama metadata
    gguf(os.path.join(M, "all-types.gguf"), llama_kvs(1, 256, 512, 4, 2, 64, "all-types"),
         [("t.%s" % ty, ty, [256, 2]) for ty in GGML])

    # ---------------------------------------------------------------- broken files
    B = os.path.join(DATA, "bad")
    good = open(os.path.join(M, "tiny-llama", "model-00001-of-00002.safetensors"), "rb").read()
    n = struct.unpack("<Q", good[:8])[0]
    open(os.path.join(B, "st-truncated.safetensors"), "wb").write(good[:5])
    open(os.path.join(B, "st-header-past-end.safetensors"), "wb").write(struct.pack("<Q", n + 4096) + good[8:100])
    open(os.path.join(B, "st-header-2-63.safetensors"), "wb").write(struct.pack("<Q", 1 << 63) + good[8:])
    open(os.path.join(B, "st-cut-data.safetensors"), "wb").write(good[:8 + n + 10])
    hdr = json.loads(good[8:8 + n])
    name = next(k for k in hdr if k != "__metadata__")
    hdr[name]["dtype"] = "Q4_WHAT"
    text = json.dumps(hdr).encode()
    open(os.path.join(B, "st-unknown-dtype.safetensors"), "wb").write(struct.pack("<Q", len(text)) + text + good[8 + n:])
    hdr = json.loads(good[8:8 + n])
    hdr[name]["shape"] = [hdr[name]["shape"][0] * 2] + hdr[name]["shape"][1:]
    text = json.dumps(hdr).encode()
    open(os.path.join(B, "st-lying-size.safetensors"), "wb").write(struct.pack("<Q", len(text)) + text + good[8 + n:])

    g = open(os.path.join(M, "tiny-llama-Q4_K_M.gguf"), "rb").read()
    open(os.path.join(B, "gguf-truncated.gguf"), "wb").write(g[:300])
    open(os.path.join(B, "gguf-million-kv.gguf"), "wb").write(g[:16] + struct.pack("<Q", 10 ** 6) + g[24:2000])
    open(os.path.join(B, "gguf-2-63-tensors.gguf"), "wb").write(g[:8] + struct.pack("<Q", 1 << 63) + g[16:4096])
    open(os.path.join(B, "gguf-bad-magic.gguf"), "wb").write(b"GGUG" + g[4:64])
    gguf(os.path.join(B, "gguf-unknown-type.gguf"), llama_kvs(1, 256, 512, 4, 2, 64, "x"), [("t", "F32", [256])])
    bad = open(os.path.join(B, "gguf-unknown-type.gguf"), "rb").read()
    i = bad.index(gstr("t") + struct.pack("<I", 1)) + len(gstr("t")) + 4 + 8
    open(os.path.join(B, "gguf-unknown-type.gguf"), "wb").write(bad[:i] + struct.pack("<I", 77) + bad[i + 4:])
    gguf(os.path.join(B, "gguf-data-past-end.gguf"), llama_kvs(1, 256, 512, 4, 2, 64, "x"),
         [("t", "F32", [256, 64])])
    data = open(os.path.join(B, "gguf-data-past-end.gguf"), "rb").read()
    open(os.path.join(B, "gguf-data-past-end.gguf"), "wb").write(data[:len(data) - 1024])
    big_string = gstr("general.name") + struct.pack("<I", 8) + struct.pack("<Q", 1 << 63)
    open(os.path.join(B, "gguf-string-2-63.gguf"), "wb").write(b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + big_string)

    # ---------------------------------------------------------------- a Hugging Face cache
    C = os.path.join(DATA, "hfcache")
    if os.path.isdir(C):
        shutil.rmtree(C)
    repo = os.path.join(C, "models--tiny-org--tiny-llama")
    main_rev, old_rev = "a" * 40, "b" * 40
    os.makedirs(os.path.join(repo, "refs"))
    open(os.path.join(repo, "refs", "main"), "w").write(main_rev)
    open(os.path.join(repo, "refs", "v1"), "w").write(old_rev + "\n")
    snap = os.path.join(repo, "snapshots", main_rev)
    os.makedirs(snap)
    write_json(os.path.join(snap, "config.json"), llama_config(2))
    safetensors(os.path.join(snap, "model.safetensors"), llama_tensors(2, 16, 32, 4, 2, 32))
    snap = os.path.join(repo, "snapshots", old_rev)
    os.makedirs(snap)
    write_json(os.path.join(snap, "config.json"), llama_config(1))  # config only: no weights downloaded

main()
