#!/bin/bash
# one round of every scenario; $1 = round number
cd /work/main/pushline-bench
J="java -jar target/pushline-bench.jar load"
R=$1
$J --clients 100 --duration 10 --sample-omem --server-args "--slow-policy DROP" > /tmp/bench/A-$R.txt 2>&1
$J --clients 1000 --rate 2000 --duration 10 > /tmp/bench/B-$R.txt 2>&1
$J --clients 10000 --rate 10 --duration 10 > /tmp/bench/C-$R.txt 2>&1
$J --idle --clients 10000 > /tmp/bench/D10k-$R.txt 2>&1
$J --idle --clients 19000 > /tmp/bench/D19k-$R.txt 2>&1
$J --clients 100 --stalled 10 --size 1024 --duration 30 --sample-omem --server-args "--slow-policy DROP" > /tmp/bench/E-$R.txt 2>&1
echo done > /tmp/bench/round-$R.done
