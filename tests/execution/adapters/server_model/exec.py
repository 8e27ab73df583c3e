"""Starts a helper process in fit that every prediction needs (a stand-in for a JVM server) and
stops it in ``Fitted.close``: the job must end ok, with its inference timed and nothing left over."""
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import faultkit  # noqa: E402


def fit(train, config):
    server = subprocess.Popen(["sleep", "3600"])
    faultkit.record_process("server", server.pid)
    model = faultkit.priors_model(train, config)
    calls = {"predict": 0}

    def needs_server(predict):
        def wrapped(X):
            if server.poll() is not None:
                raise RuntimeError("the server is gone before the job's end")
            calls["predict"] += 1
            return predict(X)
        return wrapped

    def close():
        server.terminate()
        server.wait(timeout=10)
        Path(config.work_dir, "closed").write_text(str(calls["predict"]))
        print(f"server_model: server stopped after {calls['predict']} predict calls", flush=True)

    model.predict, model.predict_proba = needs_server(model.predict), needs_server(model.predict_proba)
    model.close = close
    return model
