{% macro spark__apply_grants(relation, grant_config, should_revoke=True) -%}
    {#- Spark has no grants (a Spark session answers GRANT with an error): the marts' grants to
        the BI role apply on PostgreSQL only. -#}
{%- endmacro %}
