#!/bin/sh
# bench_sweep.sh FEDPLAN: the sweep on a 200-point grid with 1 and 2 OpenMP threads: wall
# time, points per second, speed-up, and that both outputs are identical.  Prints; never fails
# on a timing.
set -u
f=${1:-./fedplan}
grid="--vary context=1024,2048,4096,8192,16384 --vary chat-8b.replicas=1,2,3,4,5 --vary small-gpt2.replicas=1,2,3,4,5,6,7,8"
points=200
t() { # threads -> seconds
    s=$(date +%s.%N)
    OMP_NUM_THREADS=$1 "$f" sweep scenarios/aws-mixed-fleet.yaml $grid --format json > "/tmp/fedplan-bench-sweep.$1.$$"
    e=$(date +%s.%N)
    awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }' 
}
t1=$(t 1)
t2=$(t 2)
same=$(cmp -s /tmp/fedplan-bench-sweep.1.$$ /tmp/fedplan-bench-sweep.2.$$ && echo identical || echo DIFFERENT)
rm -f /tmp/fedplan-bench-sweep.1.$$ /tmp/fedplan-bench-sweep.2.$$
printf 'sweep, %d points (aws-mixed-fleet: context x chat replicas x gpt2 replicas)\n' $points
awk -v p=$points -v a="$t1" -v b="$t2" -v same="$same" 'BEGIN {
    printf "  1 thread : %6.2f s, %6.1f points/s\n", a, p / a
    printf "  2 threads: %6.2f s, %6.1f points/s\n", b, p / b
    printf "  speed-up : %.2fx (aim: 1.8x or more); outputs %s\n", a / b, same }' 
