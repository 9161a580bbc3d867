# The dbt project in a container, for docker compose (docker-compose.yml).
FROM python:3.11-slim

# git: dbt deps installs dbt-utils from its git repository.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /project
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir .

COPY . .
ENV DBT_PROFILES_DIR=/project \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false
RUN dbt deps

CMD ["dbt", "build"]
