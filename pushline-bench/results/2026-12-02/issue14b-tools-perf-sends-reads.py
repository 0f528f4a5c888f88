import sys, re, collections
def cat(comm):
    if comm.startswith('bench-client'): return 'client'
    if comm.startswith('pushline-io') or comm=='redis-server': return 'server'
    return 'other'
def num(s):
    s=s.strip(); r=int(s,16) if s.startswith('0x') else int(s)
    return r-2**64 if r>=2**63 else r
xmit=collections.Counter(); sizes=collections.defaultdict(list)
wr=[]; eagain=0; reads=[]; rerr=0
cw=[];
first=None;last=None
for line in sys.stdin:
    m=re.match(r'\s*(.+?)\s+(\d+)/(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)',line)
    if not m: continue
    comm,pid,tid,t,ev,tr=m.groups(); t=float(t)
    first=first or t; last=t
    c=cat(comm)
    if ev=='net:net_dev_xmit':
        l=int(re.search(r'len=(\d+)',tr).group(1))
        if l>200: xmit[c]+=1; sizes[c].append(l)
    elif ev in('syscalls:sys_exit_writev','syscalls:sys_exit_write') and c=='server':
        r=num(tr)
        if r>200: wr.append(r)
        elif r<0: eagain+=1
    elif (ev.startswith('syscalls:sys_exit_re')) and c=='client':
        r=num(tr)
        if r>0: reads.append(r)
        else: rerr+=1
def q(a):
    a=sorted(a); n=len(a)
    return 'n=%d mean=%.0f p10=%d p50=%d p90=%d sum=%d'%(n,sum(a)/n,a[n//10],a[n//2],a[9*n//10],sum(a)) if n else 'n=0'
print('span %.2fs'%(last-first))
print('server write calls returning >200B:',q(wr),' EAGAIN:',eagain)
tot=sum(xmit.values())
for c in xmit: print('data skbs (len>200) sent in %s context: %.0f%%, %s'%(c,100*xmit[c]/tot,q(sizes[c])))
print('data skbs per server write call: %.2f'%(tot/max(1,len(wr))))
print('client reads that returned data:',q(reads),' returned <=0:',rerr)
