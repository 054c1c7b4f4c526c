"""The real image: built from app/Dockerfile, run hardened as Kubernetes runs it,
pushed to a registry and pulled back by digest.

Needs a Docker engine and STANDIN_BASE_IMAGE (see scripts/test.sh); without
them these tests fail rather than pass for nothing.
"""
import json
import os
import subprocess
import time
import uuid

import pytest
import requests

from .servers import APP_DIR, ROOT, free_port, wait_for_http, wait_for_port

pytestmark = pytest.mark.container
API = "http://127.0.0.1:5000"
APP_UID = 10001


def docker(*args, check=True, timeout=600):
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout.strip()


def image_size(ref):
    return int(docker("image", "inspect", "--format", "{{.Size}}", ref))


@pytest.fixture(scope="module")
def base_image():
    base = os.environ.get("STANDIN_BASE_IMAGE")
    assert base, "set STANDIN_BASE_IMAGE (scripts/build-standin-base.sh prints it), or run scripts/test.sh"
    docker("image", "inspect", base)
    return base


@pytest.fixture(scope="module")
def image(base_image):
    tag = f"xpto-users-api:test-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    docker("build", "--network", "host", "--build-arg", f"BASE_IMAGE={base_image}", "--tag", tag, str(APP_DIR))
    took = time.monotonic() - started
    size, base = image_size(tag), image_size(base_image)
    # scripts/test.sh prints this file after the suite.
    figures = ROOT / "reports" / "image-size.txt"
    figures.parent.mkdir(exist_ok=True)
    figures.write_text(f"image: {size / 2**20:.1f} MiB, of which the API adds {(size - base) / 2**20:.1f} MiB "
                       f"over its base ({base_image}); built in {took:.0f} s\n")
    yield tag
    docker("rmi", "--force", tag, check=False)


@pytest.fixture
def container(image, mongo_uri, database_name):
    name = f"users-api-{uuid.uuid4().hex[:8]}"
    # As the Deployment runs it: read-only root, in-memory /tmp, no capabilities, no escalation.
    docker("run", "--detach", "--name", name, "--network", "host",
           "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
           "--env", f"MONGO_URI={mongo_uri}", "--env", f"MONGO_DATABASE={database_name}", image)
    try:
        wait_for_http(f"{API}/readyz", timeout=60)
        yield name
    finally:
        print(docker("logs", name, check=False)[-2000:])
        docker("rm", "--force", name, check=False)


def test_the_image_serves_a_full_round_trip(container):
    assert requests.get(f"{API}/healthz", timeout=5).json() == {"status": "ok"}
    created = requests.post(f"{API}/api/v1/users", json={"id": 1, "name": "Ana"}, timeout=5)
    assert created.status_code == 201
    assert requests.get(f"{API}/api/v1/users?id=1", timeout=5).json()[0]["_id"] == created.json()
    assert requests.post(f"{API}/api/v1/users/1", json={"$set": {"name": "Eva"}}, timeout=5).status_code == 200
    assert requests.get(f"{API}/api/v1/users", timeout=5).json()[0]["name"] == "Eva"
    assert requests.delete(f"{API}/api/v1/users/1", timeout=5).status_code == 204
    assert requests.get(f"{API}/api/v1/users", timeout=5).json() == []


def test_the_process_is_the_granian_server_running_as_a_non_root_user(container, image):
    cmdline = docker("exec", container, "cat", "/proc/1/cmdline").replace("\x00", " ")
    assert cmdline.split()[-1] == "server.py", cmdline
    assert docker("exec", container, "python", "-c", "import granian; print(granian.__version__)") == "2.8.9"
    status = docker("exec", container, "cat", "/proc/1/status")
    uids = next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1:]
    assert set(uids) == {str(APP_UID)}, status
    assert docker("image", "inspect", "--format", "{{.Config.User}}", image) == f"{APP_UID}:{APP_UID}"


def test_the_code_cannot_be_changed_by_the_app_user(image):
    # Without --read-only, so that only the files' ownership and modes protect them.
    writable = docker("run", "--rm", "--entrypoint", "find", image, "/srv/app", "/opt/venv", "-writable")
    assert writable == "", f"the app user may change: {writable[:500]}"
    result = subprocess.run(["docker", "run", "--rm", image, "python3", "-c", "open('/srv/app/wsgi.py', 'a')"],
                            capture_output=True, text=True)
    assert result.returncode != 0 and "Permission denied" in result.stderr, result.stderr


def test_access_log_goes_to_stdout_and_stop_is_graceful(container):
    requests.get(f"{API}/api/v1/users", timeout=5)
    assert requests.get(f"{API}/healthz", timeout=5).json() == {"status": "ok"}, "liveness from the read-only root"
    docker("stop", "--time", "30", container)
    assert docker("inspect", "--format", "{{.State.ExitCode}}", container) == "0"
    assert '"GET /api/v1/users HTTP/1.1" 200' in docker("logs", container)


@pytest.fixture
def repeated_id(users):
    """Stored before the container starts, so that its unique index cannot be made."""
    users.insert_many([{"id": 1}, {"id": 1}])


def test_the_duplicates_command_runs_in_the_image_as_the_readme_has_it(repeated_id, container):
    """`kubectl exec deploy/users-api -- flask --app wsgi users duplicates`, on the read-only root."""
    listed = subprocess.run(["docker", "exec", container, "flask", "--app", "wsgi", "users", "duplicates"],
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 1 and "id 1: 2 users" in listed.stdout, listed.stdout + listed.stderr


@pytest.fixture
def local_registry(tmp_path):
    port = free_port()
    config = tmp_path / "registry.yml"
    config.write_text(json.dumps({
        "version": 0.1,
        "storage": {"filesystem": {"rootdirectory": str(tmp_path / "data")}},
        "http": {"addr": f"127.0.0.1:{port}"},
        "log": {"level": "warn"},
    }))
    process = subprocess.Popen(["docker-registry", "serve", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process=process)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_push_to_a_registry_and_pull_back_by_digest(image, local_registry):
    pushed = f"{local_registry}/xpto/users-api:{uuid.uuid4().hex[:12]}"
    image_id = docker("image", "inspect", "--format", "{{.Id}}", image)
    docker("tag", image, pushed)
    docker("push", pushed)
    digests = json.loads(docker("image", "inspect", "--format", "{{json .RepoDigests}}", pushed))
    by_digest = next(d for d in digests if d.startswith(f"{local_registry}/"))
    assert "@sha256:" in by_digest
    docker("rmi", pushed)
    docker("pull", by_digest)
    assert docker("image", "inspect", "--format", "{{.Id}}", by_digest) == image_id
    docker("rmi", by_digest, check=False)
