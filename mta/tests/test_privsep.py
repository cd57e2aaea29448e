"""test_privsep.py: qmail's partition, checked on the running processes (root only).

Each process's uids come from /proc/<pid>/status; the SMTP process's uid must not be able
to read a mailbox or a queued message file.
"""
import os
import pwd
import smtplib

import pytest

from conftest import CLIENT_IP, SERVER_IP, maildir_files, run, wait_for

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="privilege separation needs root")

MSG = b"Subject: privsep\r\n\r\nbody\r\n"


def status_ids(pid):
    ids = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("Uid", "Gid"):
                ids[k] = [int(x) for x in v.split()]  # real, effective, saved, fs
    return ids


def try_as(uid, gid, paths):
    """In a forked child with uid/gid: the errors met opening each path ('' = opened)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        out = []
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            for p in paths:
                try:
                    if os.path.isdir(p):
                        os.listdir(p)
                    else:
                        open(p, "rb").close()
                    out.append("")
                except PermissionError:
                    out.append("PermissionError")
                except OSError as e:
                    out.append(type(e).__name__)
        finally:
            os.write(w, "|".join(out).encode())
            os._exit(0)
    os.close(w)
    data = os.read(r, 4096).decode()
    os.waitpid(pid, 0)
    return data.split("|")


def test_process_uids_and_smtpd_cannot_read_mail(server_factory, home):
    srv = server_factory(extra=["--set", "trusted_networks=127.0.0.0/8"])
    with smtplib.SMTP(SERVER_IP, srv.port, source_address=(CLIENT_IP, 0)) as c:
        c.sendmail("a@example.org", ["postmaster@localhost"], MSG)
        c.sendmail("a@example.org", ["x@remote.test"], MSG)  # stays queued (no route)
    files = wait_for(lambda: maildir_files(home))
    assert files
    out = wait_for(lambda: (lambda o: o if "1 message(s)" in o and "attempt(s)" in o else None)(
        run("queue", "--home", home).stdout))
    assert out
    queued = os.listdir(os.path.join(home, "queue", "mess"))
    assert len(queued) == 1 and queued[0] in out
    mess = os.path.join(home, "queue", "mess", queued[0])

    smtpd_u, queue_u, mail_u = (pwd.getpwnam(n) for n in ("refmta-smtpd", "refmta-queue", "refmta-mail"))
    pids = srv.pids()
    ids = {role: status_ids(pid) for role, pid in pids.items()}
    assert ids["master"]["Uid"] == [0, 0, 0, 0]
    assert ids["lspawn"]["Uid"] == [0, 0, 0, 0]
    assert ids["queue"]["Uid"] == [queue_u.pw_uid] * 4
    assert ids["queue"]["Gid"] == [queue_u.pw_gid] * 4
    assert ids["smtpd"]["Uid"] == [smtpd_u.pw_uid] * 4
    assert ids["smtpd"]["Gid"] == [smtpd_u.pw_gid] * 4
    assert len({smtpd_u.pw_uid, queue_u.pw_uid, mail_u.pw_uid, 0}) == 4
    # smtpd is jailed in the empty directory.
    assert os.readlink(f"/proc/{pids['smtpd']}/root") == os.path.join(home, "run", "empty")
    # Local delivery ran as the mailbox owner (the mail user for virtual users).
    assert os.stat(files[0]).st_uid == mail_u.pw_uid
    assert os.stat(mess).st_uid == queue_u.pw_uid

    maildir = os.path.join(home, "mail", "postmaster")
    targets = [maildir, os.path.join(maildir, "new"), files[0], mess,
               os.path.join(home, "queue", "env")]
    assert try_as(smtpd_u.pw_uid, smtpd_u.pw_gid, targets) == ["PermissionError"] * len(targets)
    # Sanity: the owners can (the test is able to fail).
    assert try_as(mail_u.pw_uid, mail_u.pw_gid, [files[0]]) == [""]
    assert try_as(queue_u.pw_uid, queue_u.pw_gid, [mess]) == [""]
    # The queue uid cannot read mailboxes either.
    assert try_as(queue_u.pw_uid, queue_u.pw_gid, [files[0]]) == ["PermissionError"]
    # The remote-delivery process runs as remote_user: neither the queue nor mailboxes.
    remote_u = pwd.getpwnam("refmta-remote")
    assert ids["remote"]["Uid"] == [remote_u.pw_uid] * 4
    assert remote_u.pw_uid not in (0, smtpd_u.pw_uid, queue_u.pw_uid, mail_u.pw_uid)
    assert try_as(remote_u.pw_uid, remote_u.pw_gid, [files[0], mess]) == ["PermissionError"] * 2
    assert srv.stop() == 0
