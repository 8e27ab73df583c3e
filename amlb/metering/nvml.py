"""NVIDIA GPU energy counters through NVML (``pynvml``, from the ``nvidia-ml-py`` package).

``nvmlDeviceGetTotalEnergyConsumption`` is a 64-bit millijoule counter since the driver was
loaded (Volta and newer); it does not wrap in practice. GPUs without it are listed but give
no energy figure (their energy method is ``none``).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GpuDevice:
    index: int
    name: str
    memory_gb: float | None
    energy_counter: bool


def _load_nvml() -> tuple[Any | None, str]:
    try:
        import pynvml
    except ImportError:
        return None, "pynvml not installed (pip install nvidia-ml-py)"
    try:
        pynvml.nvmlInit()
    except Exception as e:  # noqa: BLE001 - NVMLError subclasses: no library, no driver, no GPU
        return None, f"NVML unavailable: {e}"
    return pynvml, ""


class NvmlReader:
    """Cumulative GPU energy (joules) summed over the GPUs that have an energy counter.

    ``lib`` is the NVML binding; None loads ``pynvml``. Any object with the same functions
    (``nvmlDeviceGetCount``, ``nvmlDeviceGetHandleByIndex``, ``nvmlDeviceGetName``,
    ``nvmlDeviceGetMemoryInfo``, ``nvmlDeviceGetTotalEnergyConsumption``) can stand in for it.
    """

    def __init__(self, lib: Any | None = None, enabled: bool = True):
        self.devices: list[GpuDevice] = []
        self._handles: list[Any] = []
        self._lock = threading.Lock()
        if not enabled:
            self.lib, self.reason = None, "GPU metering disabled in the configuration"
            return
        if lib is None:
            lib, self.reason = _load_nvml()
        else:
            self.reason = ""
        self.lib = lib
        if lib is None:
            return
        try:
            count = int(lib.nvmlDeviceGetCount())
        except Exception as e:  # noqa: BLE001
            self.lib, self.reason = None, f"NVML device count failed: {e}"
            return
        for i in range(count):
            handle = lib.nvmlDeviceGetHandleByIndex(i)
            name = lib.nvmlDeviceGetName(handle)
            name = name.decode() if isinstance(name, bytes) else str(name)
            try:
                memory_gb: float | None = round(lib.nvmlDeviceGetMemoryInfo(handle).total / 2**30, 1)
            except Exception:  # noqa: BLE001
                memory_gb = None
            try:
                lib.nvmlDeviceGetTotalEnergyConsumption(handle)
                counter = True
            except Exception:  # noqa: BLE001 - NVML_ERROR_NOT_SUPPORTED before Volta
                counter = False
            self.devices.append(GpuDevice(i, name, memory_gb, counter))
            if counter:
                self._handles.append(handle)
        if not self.devices:
            self.reason = "NVML found no GPU"
        elif not self._handles:
            self.reason = "no GPU with an energy counter (needs Volta or newer)"

    @property
    def present(self) -> bool:
        """Whether there is any NVIDIA GPU."""
        return bool(self.devices)

    @property
    def available(self) -> bool:
        """Whether GPU energy can be measured."""
        return bool(self._handles)

    def read(self) -> float | None:
        """Joules since the driver loaded, summed over the GPUs with counters; None without."""
        if not self._handles:
            return None
        with self._lock:
            total_mj = 0
            for handle in self._handles:
                total_mj += int(self.lib.nvmlDeviceGetTotalEnergyConsumption(handle))
        return total_mj / 1000.0
