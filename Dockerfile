# sms-hook in a container: the mock receiver by default, any sms-hook command otherwise.
#
#   docker build -t sms-hook .
#   docker run --rm -p 8080:8080 sms-hook                      # the mock on localhost:8080
#   docker run --rm sms-hook verify https://staging.example.com/hooks/sms
#
# Built by the user; this repository's CI has no container daemon. tests/kit/test_dockerfile.py
# lints this file with hadolint and runs its install and entrypoint steps in a clean venv.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A numeric user, so that Kubernetes' runAsNonRoot can check it without /etc/passwd.
RUN groupadd --gid 10001 sms-hook \
    && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin sms-hook

# Only what the wheel is built from, so that editing tests or docs does not rebuild this layer.
COPY pyproject.toml README.md /src/
COPY openapi /src/openapi
COPY sms_hook /src/sms_hook
COPY mock_server /src/mock_server
COPY contract_tests /src/contract_tests
COPY sms_hook_load /src/sms_hook_load
RUN python -m venv /opt/sms-hook \
    && /opt/sms-hook/bin/pip install --no-cache-dir /src \
    && rm -rf /src

ENV PATH=/opt/sms-hook/bin:$PATH
USER 10001:10001
WORKDIR /home/sms-hook

# Inside a container the mock must listen on every interface to be reachable through -p.
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/__admin/health', timeout=2)"]
ENTRYPOINT ["sms-hook"]
CMD ["mock", "--host", "0.0.0.0", "--port", "8080", "--journal", "/home/sms-hook/sms-hook-journal.db"]
