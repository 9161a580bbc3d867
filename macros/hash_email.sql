{% macro hash_email(expression) -%}
    encode(sha256(convert_to(lower(trim({{ expression }})), 'UTF8')), 'hex')
{%- endmacro %}
