{% macro spark__cast(field, type) -%}
    {#- dbt's cast on Spark (overrides dbt's default__cast for this adapter), with the types
        written as on PostgreSQL: text is Spark's string. dbt casts with it where a contract's
        data_type or a seed's column type is used, so the YAML keeps one spelling. -#}
    cast({{ field }} as {{ spark_seed_type(type) }})
{%- endmacro %}
