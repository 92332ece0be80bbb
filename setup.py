"""Package discovery for kzoo.

The top-level `applications/` folder is installed as `kzoo.applications`, so
that `import kzoo.applications.<app>` works from a wheel and from an editable
install alike.
All other metadata lives in pyproject.toml.
"""

from setuptools import find_packages
from setuptools import setup

packages = ["kzoo"] + ["kzoo." + p for p in find_packages("kzoo")]
apps = ["kzoo.applications"] + [
    "kzoo.applications." + p for p in find_packages("applications")
]
package_dir = {"kzoo": "kzoo", "kzoo.applications": "applications"}

setup(
    packages=packages + apps,
    package_dir=package_dir,
    package_data={
        "kzoo.applications": [
            "*/*.md",
            "*.md",
            "*/*.json",
            "*/presets/*/*.json",
            "*/presets/*/*.h5",
        ]
    },
)
