#!/bin/bash
# usage: trace-run.sh OUTPREFIX DELAY -- load args...
# traces the load JVM and its children for 2 s, DELAY s into each measured phase
out=$1; d=$2; shift 3
cd /work/wt-perf
java -jar pushline-bench/target/pushline-bench.jar load "$@" > $out.txt 2> $out.err &
pid=$!
done_=""
while kill -0 $pid 2>/dev/null; do
  for t in REDIS PUSHLINE; do
    if grep -q "measuring $t" $out.err && [[ "$done_" != *$t* ]]; then
      done_="$done_ $t"
      sleep $d
      kids=$(pgrep -P $pid | tr '\n' ',')
      echo "$t: load pid $pid children ${kids%,}" >> $out.perflog
      perf record -m 16M -o $out-$t.data -p $pid,${kids%,} -e net:net_dev_xmit -e syscalls:sys_exit_recvfrom -e syscalls:sys_exit_read -e syscalls:sys_exit_write -e syscalls:sys_exit_writev -- sleep 2 >> $out.perflog 2>&1
    fi
  done
  sleep 0.2
done
wait $pid
