"""Packaging beyond what pyproject.toml can say: static/ (the console, the worker app, the API
docs) ships inside the wheel as backend/static, so an installed Fairfield serves them."""

from pathlib import Path

from setuptools import find_namespace_packages, setup

# Each folder of static/ is a package of data files (setuptools installs data by package).
STATIC = [
    ".".join(("backend", *folder.parts))
    for folder in [Path("static"), *Path("static").rglob("*")]
    if folder.is_dir()
]

setup(
    packages=[*find_namespace_packages(include=["backend*", "workers*"]), *STATIC],
    package_dir={"backend.static": "static"},
    package_data={
        "backend": [
            "migrations/*.py",
            "migrations/*.mako",
            "migrations/versions/*.py",
            "translations/*/LC_MESSAGES/*.mo",
        ],
        **{package: ["*"] for package in STATIC},
    },
)
