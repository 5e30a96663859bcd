"""Operator tooling for vstarcam-push: the CLI, the Docker-free local stack, the camera
simulator and the benchmarks. Installed into the dev environment, never into Lambda."""
