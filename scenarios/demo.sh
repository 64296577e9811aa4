#!/bin/sh
# demo.sh FEDPLAN: the questions people ask before they buy or rent GPUs, answered by
# `fedplan estimate` from the built-in catalogs.
set -u
f=${1:-./fedplan}
if [ -t 1 ]; then b='\033[1m'; n='\033[0m'; else b=''; n=''; fi
say() { printf "\n${b}## %s${n}\n\$ fedplan %s\n" "$1" "$2"; }
run() { say "$1" "$2"; "$f" $2; rc=$?; [ $rc -le 1 ] || exit $rc; }

run "How much memory does DeepSeek-Coder 6.7B need to serve in fp16, and does it fit a 24 GB A10G?" \
    "estimate deepseek-coder-6.7b --dtype fp16 --context 4096 --gpu a10g"
run "Can I LoRA-fine-tune a 7B model on a 16 GB P100? (no bf16 there: fp16 compute)" \
    "estimate llama-2-7b --method lora --lora-rank 8 --compute-dtype fp16 --context 1024 --grad-checkpointing --gpu p100"
run "And with QLoRA (4-bit NF4 base weights)?" \
    "estimate llama-2-7b --method qlora --compute-dtype fp16 --context 2048 --grad-checkpointing --gpu p100"
run "Full fine-tuning the same 7B on one 80 GB A100: does it fit? (mixed precision AdamW is 16 bytes a parameter)" \
    "estimate llama-2-7b --method full --context 2048 --grad-checkpointing --gpu a100-80gb"
run "The same with ZeRO-3 across 8 GPUs" \
    "estimate llama-2-7b --method full --context 2048 --grad-checkpointing --zero 3 --gpus 8 --gpu a100-80gb"
run "Serving Llama-3.1-8B with vLLM on an L4: how many tokens of KV cache, how many 8k sequences?" \
    "estimate llama-3.1-8b --runtime vllm --context 8192 --gpu l4"
run "Llama-3.1-70B in 4-bit on two A100-80GB (tensor parallel)" \
    "estimate llama-3.1-70b --dtype int4 --tp 2 --runtime vllm --context 32768 --gpu a100-80gb"
run "A 7B model on a CPU server with llama.cpp (Q4_0 weights, host RAM)" \
    "estimate llama-2-7b --runtime llama.cpp --dtype q4_0 --context 4096"
run "Seven DeepSeek-Coder 6.7B fp16 deployments: one 128 GB server..." "plan scenarios/seven-deepseek-128gb.yaml"
run "...or 64 GB servers..." "plan scenarios/seven-deepseek-64gb.yaml"
run "...or 32 GB servers?" "plan scenarios/seven-deepseek-32gb.yaml"
run "Fine-tuning 7B models: 16 GB P100/V100/T4 or a 24 GB A10G, cheapest per hour" \
    "plan scenarios/finetune-7b-16gb-vs-24gb.yaml"
run "A mixed serving fleet on AWS at the lowest hourly cost, proven" "plan scenarios/aws-mixed-fleet.yaml"
run "32 GB, 64 GB or a 128 GB server? The same deployments on each node sizing" "compare scenarios/node-sizes.yaml"
run "The cheapest cloud mix: each provider, and all together" "compare scenarios/aws-mixed-fleet.yaml --clouds"
run "What if the context grows, or we quantize?" "sweep scenarios/seven-deepseek-64gb.yaml --vary dtype=fp16,q8_0,q4_0 --vary context=4096,16384"
run "How many Llama-3.1-8B replicas fit one g6e.12xlarge?" "fit llama-3.1-8b --node aws/g6e.12xlarge --runtime vllm --context 8192"
printf '\nEvery component and its formula: add --explain.  Machine-readable: --format json.\n'
