import sys,re,collections
ev=collections.defaultdict(list)
for line in sys.stdin:
    p=line.split()
    if len(p)<5 or not p[0].startswith('pushline-io'): continue
    t=float(p[2].rstrip(':')); e=p[3].rstrip(':'); ev[p[1]].append((t,e,p[4] if len(p)>4 else ''))
for tid,l in ev.items():
    sends=[(t,a) for t,e,a in l if 'send' in e or 'writev' in e]
    gaps=[]; bursts=[]; cur=1
    for (a,_),(b,_) in zip(sends,sends[1:]):
        g=b-a
        if g>0.0003: gaps.append(g*1e3); bursts.append(cur); cur=1
        else: cur+=1
    bursts.sort(); gaps.sort()
    def q(x): 
        n=len(x); return 'n=%d p10=%.1f p50=%.1f p90=%.1f mean=%.1f'%(n,x[n//10],x[n//2],x[9*n//10],sum(x)/n) if n else 'n=0'
    span=sends[-1][0]-sends[0][0]
    print(tid,'sends',len(sends),'span %.2f s'%span,'\n  sends per burst (gap>0.3ms):',q(bursts),'\n  gaps ms:',q(gaps), '\n  time in bursts %.0f%%'%(100*(span-sum(gaps)/1e3)/span))
