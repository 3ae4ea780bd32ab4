# lit configuration for Grid. Substitutions bundle the flags so that a test's
# RUN lines read like a user's command lines (STYLE.md 7):
#   %grid-clang, %grid-clangxx  the drivers from build/bin
#   %clang, %clangxx            plain clang-19, for comparisons
#   %opt                        opt-19 with the Grid plugin loaded
#   %gridctl                    build/bin/gridctl
#   %gridrun                    build/bin/gridrun
#   %mpirun                     mpirun, allowed as root and oversubscribed
#   %grid_src, %grid_build      the source and build trees
import os
import subprocess
import sys
import lit.formats

config.name = "Grid"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".ll", ".c", ".cpp", ".test", ".sh"]
config.excludes = ["Inputs", "CMakeLists.txt", "runtime", "fuzz"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.grid_obj_root, "test")

bindir = os.path.join(config.grid_obj_root, "bin")
config.environment["PATH"] = os.pathsep.join(
    [bindir, config.llvm_tools_dir, config.environment.get("PATH", os.environ["PATH"])])
# Tests must not pick up the user's settings.
for var in list(os.environ):
    if var.startswith("GRID_"):
        config.environment.pop(var, None)
config.environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
config.environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
config.environment["XDG_CONFIG_HOME"] = os.path.join(config.test_exec_root, "xdg-config-none")

config.substitutions.append(("%grid-clangxx", os.path.join(bindir, "grid-clang++")))
config.substitutions.append(("%grid-clang", os.path.join(bindir, "grid-clang")))
config.substitutions.append(("%clangxx", os.path.join(config.llvm_tools_dir, "clang++")))
config.substitutions.append(("%clang", os.path.join(config.llvm_tools_dir, "clang")))
config.substitutions.append(("%opt", "%s -load-pass-plugin=%s" % (
    os.path.join(config.llvm_tools_dir, "opt"), config.grid_plugin)))
config.substitutions.append(("%grid_plugin", config.grid_plugin))
config.substitutions.append(("%gridctl", os.path.join(bindir, "gridctl")))
config.substitutions.append(("%gridrun", os.path.join(bindir, "gridrun")))
config.substitutions.append(("%grid_src", config.grid_src_root))
config.substitutions.append(("%grid_build", config.grid_obj_root))
config.substitutions.append(("%mpirun", "%s --oversubscribe" % config.mpiexec))

# user-xattr: the file system the tests write on (the build tree) keeps
# extended attributes of the user namespace (remote-io/xattrs.c needs them;
# without, lit reports that test unsupported, and says why here).
def user_xattrs_work(directory):
    probe = os.path.join(directory, ".user-xattr-probe")
    try:
        os.makedirs(directory, exist_ok=True)
        with open(probe, "w"):
            pass
        os.setxattr(probe, "user.grid", b"1")
        return os.getxattr(probe, "user.grid") == b"1"
    except OSError:
        return False
    finally:
        if os.path.exists(probe):
            os.unlink(probe)

def allowed_cores():
    """Distinct cores (package, core id) among the CPUs this process may use."""
    cores = set()
    for cpu in os.sched_getaffinity(0):
        base = "/sys/devices/system/cpu/cpu%d/topology/" % cpu
        try:
            with open(base + "physical_package_id") as p, \
                    open(base + "core_id") as c:
                cores.add((p.read().strip(), c.read().strip()))
        except OSError:
            cores.add(("cpu", str(cpu)))
    return len(cores)

# dsm/pinned.c: threads pinned to a core use fewer CPUs than the process.
if allowed_cores() >= 2:
    config.available_features.add("multicore")
else:
    lit_config.note("fewer than 2 cores: dsm/pinned.c is unsupported")

# dsm/clocks.cpp: ranks whose CLOCK_MONOTONIC differs, in time namespaces
# (Linux 5.6, CONFIG_TIME_NS), as machines booted at different times.
def succeeds(argv):
    """Whether argv runs and exits with status 0 (its output dropped)."""
    try:
        return subprocess.run(argv, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0
    except OSError:
        return False

if succeeds(["unshare", "--time", "--fork", "--monotonic", "1000", "true"]):
    config.available_features.add("time-namespaces")
else:
    lit_config.note("unshare --time does not work here: dsm/clocks.cpp is "
                    "unsupported")

if user_xattrs_work(config.test_exec_root):
    config.available_features.add("user-xattr")
else:
    lit_config.note("extended attributes of the user namespace do not work in "
                    + config.test_exec_root + ": remote-io/xattrs.c is unsupported")

# dsm/slices.c: the kernel keeps the time slice a thread asks for (EEVDF's
# custom slices, Linux 6.12) and reports it back (sched_getattr). Asked in
# a process of its own: the slice would pass to every test.
SLICE_PROBE = r"""
import ctypes, platform, sys
calls = {"x86_64": (314, 315), "aarch64": (274, 275)}.get(platform.machine())
if not calls:
    sys.exit(1)
class Attr(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("policy", ctypes.c_uint32),
                ("flags", ctypes.c_uint64), ("nice", ctypes.c_int32),
                ("priority", ctypes.c_uint32), ("runtime", ctypes.c_uint64),
                ("deadline", ctypes.c_uint64), ("period", ctypes.c_uint64),
                ("util_min", ctypes.c_uint32), ("util_max", ctypes.c_uint32)]
libc = ctypes.CDLL(None, use_errno=True)
a = Attr()
if libc.syscall(calls[1], 0, ctypes.byref(a), ctypes.sizeof(a), 0) != 0:
    sys.exit(1)
a.size, a.flags, a.runtime = ctypes.sizeof(a), 0, 300000
if libc.syscall(calls[0], 0, ctypes.byref(a), 0) != 0:
    sys.exit(1)
b = Attr()
libc.syscall(calls[1], 0, ctypes.byref(b), ctypes.sizeof(b), 0)
sys.exit(0 if b.runtime == 300000 else 1)
"""

if succeeds([sys.executable, "-c", SLICE_PROBE]):
    config.available_features.add("custom-slices")
else:
    lit_config.note("the kernel keeps no time slice of a thread's own (Linux "
                    "6.12): dsm/slices.c is unsupported")
