# The Nurture application image: the same code runs the worker (`nurture worker`), the API
# (`nurture api`) and the migration (`nurture db upgrade`); docker-compose.yml picks one per
# service. tests/unit/test_compose.py checks that every package in pyproject.toml is copied.

FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PATH=/opt/nurture/bin:$PATH
RUN python -m venv /opt/nurture
WORKDIR /src

# Dependencies first, read from pyproject.toml alone, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + p['optional-dependencies']['postgres']))" > requirements.txt \
    && pip install -r requirements.txt

# The project: every package of [tool.setuptools] packages, the worker module and the README.
COPY README.md worker.py ./
COPY definitions ./definitions
COPY workflows ./workflows
COPY activities ./activities
COPY api ./api
COPY nurture ./nurture
COPY inbound ./inbound
COPY simulation ./simulation
COPY audit ./audit
COPY analytics ./analytics
RUN pip install --no-deps .

FROM python:3.11.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/nurture/bin:$PATH
COPY --from=build /opt/nurture /opt/nurture
RUN useradd --create-home --uid 10001 nurture
USER nurture
WORKDIR /home/nurture
EXPOSE 8000
CMD ["nurture", "api", "--host", "0.0.0.0", "--port", "8000"]
