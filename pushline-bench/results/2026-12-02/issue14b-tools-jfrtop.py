#!/usr/bin/env python3
"""Summarizes jdk.ExecutionSample (Java code) and jdk.NativeMethodSample (threads in native code, mostly system
calls) of a JFR file: samples per thread, top self frames, top inclusive frames. usage: jfrtop.py FILE.jfr"""
import collections, json, subprocess, sys

def events(path, name):
    out = subprocess.run(['jfr', 'print', '--json', '--events', name, path], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out)['recording']['events']

def frame(f):
    m = f['method']
    return m['type']['name'] + '.' + m['name']

for name in ('jdk.ExecutionSample', 'jdk.NativeMethodSample'):
    ev = events(sys.argv[1], name)
    n = len(ev)
    threads = collections.Counter(); self_ = collections.Counter(); incl = collections.Counter()
    for e in ev:
        v = e['values']
        t = v.get('sampledThread') or {}
        threads[t.get('javaName') or t.get('osName')] += 1
        frames = [frame(f) for f in (v.get('stackTrace') or {}).get('frames', [])]
        if frames:
            self_[frames[0]] += 1
        for f in set(frames):
            incl[f] += 1
    print('== %s: %d samples' % (name, n))
    for title, c, k in (('threads', threads, 10), ('top frames (self)', self_, 20), ('inclusive', incl, 20)):
        print('-- ' + title)
        for key, cnt in c.most_common(k):
            print('%6d %5.1f%% %s' % (cnt, 100.0 * cnt / max(1, n), key))
