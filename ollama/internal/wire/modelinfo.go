package wire

import (
	"slices"

	"github.com/ollama/ollama/api"
)

// modelInfo is /api/show's model_info: the GGUF metadata Ollama reports,
// with the keys a real GGUF of the model's family carries (seen on Ollama
// v0.24.0 with gemma3 and llama GGUFs) and the values of a 4B model.
// Vision keys appear only for a model with the "vision" capability, and
// the tokenizer's arrays are null, as Ollama sends them without "verbose".
func modelInfo(m *modelState) map[string]any {
	f := m.Family
	info := map[string]any{
		"general.architecture":            f,
		"general.parameter_count":         4300000000,
		f + ".context_length":             m.ContextLength,
		f + ".block_count":                34,
		f + ".embedding_length":           2560,
		f + ".feed_forward_length":        10240,
		f + ".attention.head_count":       8,
		f + ".attention.head_count_kv":    4,
		"tokenizer.ggml.model":            "llama",
		"tokenizer.ggml.tokens":           nil,
		"tokenizer.ggml.scores":           nil,
		"tokenizer.ggml.token_type":       nil,
		"tokenizer.ggml.bos_token_id":     2,
		"tokenizer.ggml.eos_token_id":     1,
		"tokenizer.ggml.unknown_token_id": 3,
		"tokenizer.ggml.add_bos_token":    true,
		"tokenizer.ggml.add_eos_token":    false,
	}
	switch f {
	case "gemma3":
		for k, v := range map[string]any{
			"attention.key_length": 256, "attention.value_length": 256,
			"attention.layer_norm_rms_epsilon": 1e-6, "attention.sliding_window": 1024,
			"rope.freq_base": 1e6, "rope.local.freq_base": 10000,
		} {
			info[f+"."+k] = v
		}
		info["tokenizer.ggml.padding_token_id"] = 0
		info["tokenizer.ggml.add_space_prefix"] = false
	case "llama":
		for k, v := range map[string]any{
			"attention.layer_norm_rms_epsilon": 1e-5, "rope.dimension_count": 128,
			"rope.freq_base": 500000, "vocab_size": 128256,
		} {
			info[f+"."+k] = v
		}
	}
	if slices.Contains(m.Capabilities, "vision") {
		for k, v := range map[string]any{
			"vision.block_count": 27, "vision.embedding_length": 1152, "vision.feed_forward_length": 4304,
			"vision.image_size": 896, "vision.patch_size": 14, "vision.num_channels": 3,
			"vision.attention.head_count": 16, "vision.attention.layer_norm_epsilon": 1e-6,
			"mm.tokens_per_image": 256,
		} {
			info[f+"."+k] = v
		}
	}
	return info
}

// tensors is /api/show's tensor list: a few representative entries (a
// client reads the shape of the list, not a model's weights).
func tensors(m *modelState) []api.Tensor {
	ts := []api.Tensor{
		{Name: "token_embd.weight", Type: "Q4_K", Shape: []uint64{2560, 262144}},
		{Name: "blk.0.attn_q.weight", Type: "Q4_K", Shape: []uint64{2560, 2048}},
		{Name: "output_norm.weight", Type: "F32", Shape: []uint64{2560}},
	}
	if slices.Contains(m.Capabilities, "vision") {
		ts = append(ts, api.Tensor{Name: "v.patch_embedding.weight", Type: "F16", Shape: []uint64{14, 14, 3, 1152}})
	}
	return ts
}
