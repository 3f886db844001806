"""pip install --no-build-isolation .  -- the rightsize Python module, offline, on Debian's setuptools.

The extension is the CMake target ``_rightsize`` (sim/python/CMakeLists.txt, pybind11 from Debian's
pybind11-dev): this script builds it with CMake, in $RIGHTSIZE_BUILD_DIR when that names an
existing build folder (e.g. build/ci, so nothing is compiled twice), else in a fresh Release
folder under build/python-wheel/. The wheel carries the package (sim/python/rightsize), the
extension, and copies of models/, data/ and examples/ as rightsize/share/, where the package finds
them at import: it works from any directory, with no source path compiled in.
"""

import glob
import os
import shutil
import subprocess
import sys

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

SOURCE_DIR = os.path.dirname(os.path.abspath(__file__))
WHEEL_BUILD_DIR = os.path.join("build", "python-wheel")


def cmake_build_dir():
    """The CMake build folder holding (or to hold) python/rightsize/_rightsize*.so."""
    reused = os.environ.get("RIGHTSIZE_BUILD_DIR")
    if reused:
        if not os.path.isfile(os.path.join(reused, "CMakeCache.txt")):
            sys.exit(f"setup.py: RIGHTSIZE_BUILD_DIR={reused} is not a configured CMake build folder")
        return os.path.abspath(reused)
    build_dir = os.path.join(SOURCE_DIR, WHEEL_BUILD_DIR, "cmake")
    if not os.path.isfile(os.path.join(build_dir, "CMakeCache.txt")):
        subprocess.check_call([
            "cmake", "-S", SOURCE_DIR, "-B", build_dir, "-G", "Ninja",
            "-DCMAKE_BUILD_TYPE=Release", "-DRIGHTSIZE_BUILD_TESTS=OFF",
            "-DRIGHTSIZE_BUILD_BENCHMARKS=OFF", f"-DPython3_EXECUTABLE={sys.executable}"])
    return build_dir


class BuildWithCMake(build_py):
    """The pure-Python files, then the CMake-built extension and the data folder beside them."""

    def run(self):
        super().run()
        build_dir = cmake_build_dir()
        subprocess.check_call(["cmake", "--build", build_dir, "--target", "_rightsize"])
        package_out = os.path.join(self.build_lib, "rightsize")
        extensions = glob.glob(os.path.join(build_dir, "python", "rightsize", "_rightsize*.so"))
        if len(extensions) != 1:
            sys.exit(f"setup.py: expected one _rightsize*.so in {build_dir}/python/rightsize, "
                     f"found {extensions}")
        shutil.copy2(extensions[0], package_out)
        for folder in ("models", "data", "examples"):
            target = os.path.join(package_out, "share", folder)
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(os.path.join(SOURCE_DIR, folder), target)


class BinaryDistribution(Distribution):
    """A platform wheel: the package holds a compiled extension."""

    def has_ext_modules(self):
        return True


def project_version():
    """The version of CMakeLists.txt's project() (one home for it)."""
    with open(os.path.join(SOURCE_DIR, "CMakeLists.txt"), encoding="utf-8") as cmake_lists:
        for line in cmake_lists:
            if line.startswith("project(rightsize VERSION "):
                return line.split()[2]
    sys.exit("setup.py: no project(rightsize VERSION ...) in CMakeLists.txt")


os.makedirs(os.path.join(SOURCE_DIR, WHEEL_BUILD_DIR), exist_ok=True)
setup(
    name="rightsize",
    version=project_version(),
    description="Scaling-law and cost simulator for transformer language models",
    packages=["rightsize"],
    package_dir={"rightsize": "sim/python/rightsize"},
    python_requires=">=3.9",
    cmdclass={"build_py": BuildWithCMake},
    distclass=BinaryDistribution,
    options={
        "build": {"build_base": WHEEL_BUILD_DIR},
        "egg_info": {"egg_base": WHEEL_BUILD_DIR},
    },
)
