{% macro spark_string_literal(value) -%}
    {#- A Spark SQL string literal of value: a backslash and a quote escaped with a backslash
        (Spark reads a backslash in a literal as an escape, PostgreSQL does not). -#}
    {{- return("'" ~ value | replace('\\', '\\\\') | replace("'", "\\'") ~ "'") -}}
{%- endmacro %}
