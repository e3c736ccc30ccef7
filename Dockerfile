# The Nurture application image: the same code runs the worker (`nurture worker`) and the API
# (`nurture api`); docker-compose.yml picks one per service.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md worker.py ./
COPY definitions ./definitions
COPY workflows ./workflows
COPY activities ./activities
COPY api ./api
COPY nurture ./nurture
RUN pip install --no-cache-dir ".[postgres]" && useradd --create-home nurture
USER nurture
EXPOSE 8000
CMD ["nurture", "api", "--host", "0.0.0.0", "--port", "8000"]
