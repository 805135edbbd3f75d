import os, pty, sys, time, select
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
buf=b''
deadline=time.time()+120
sent=False
while time.time()<deadline:
    r,_,_=select.select([fd],[],[],0.5)
    if fd in r:
        try: d=os.read(fd,4096)
        except OSError: break
        if not d: break
        buf+=d
        if not sent and b'Card PIN' in buf:
            os.write(fd, os.environ.get('H4_TYPE','123456').encode()+b'\r'); sent=True
_,st=os.waitpid(pid,0)
sys.stdout.write(buf.decode('utf8','replace'))
sys.exit(os.waitstatus_to_exitcode(st))
