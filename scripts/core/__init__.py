"""The pipeline's basics, shared by the release workflow (`python -m release`) and the local
main job (`python -m factory`): what is built (config), the commands and progress lines
(progress), the host's container engine and QEMU (host), one cibuildwheel run per wheel under
a stall watchdog (wheels), the artifact checks (checks) and the report (report)."""
