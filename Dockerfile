# The dbt project in a container, for docker compose (docker-compose.yml).
# Two stages: `dbt` (dbt build, dbt docs) and `superset` (the dashboard, on top of the first).
FROM python:3.11-slim AS dbt

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

# Apache Superset in a virtual environment of its own, set up and served by pipedrive-bi.
FROM dbt AS superset
RUN python -m venv /opt/superset \
    && /opt/superset/bin/pip install --no-cache-dir \
        -r bi/superset/requirements.txt -c bi/superset/constraints.txt
ENV SUPERSET_VENV=/opt/superset \
    SUPERSET_HOME=/var/lib/superset
EXPOSE 8088
CMD ["pipedrive-bi", "serve", "--host", "0.0.0.0", "--port", "8088", "--public-host", "127.0.0.1"]
