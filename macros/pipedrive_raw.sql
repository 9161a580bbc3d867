{% macro pipedrive_raw(table_name) -%}
    {%- set raw_source = var('raw_source', 'seeds') -%}
    {%- if raw_source == 'seeds' -%}
        {#- the seed fills the table: ref it so that dbt build loads it before the staging model -#}
        {%- do ref(table_name) -%}
    {%- elif raw_source != 'loader' -%}
        {{ exceptions.raise_compiler_error(
            "the var raw_source is " ~ raw_source | tojson ~ "; it must be seeds or loader"
        ) }}
    {%- endif -%}
    {{ source('pipedrive', table_name) }}
{%- endmacro %}
