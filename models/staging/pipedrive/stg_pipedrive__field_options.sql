-- The JSON options of the fields, one row per (field, option): the stage and lost reason labels.
with source as (
    select * from {{ pipedrive_raw('fields') }}
),

options as (
    select
        source.id as field_id,
        source.field_key,
        {{ json_item_text('option_item', 'id') }} as option_id_text,
        {{ json_item_text('option_item', 'label') }} as option_label
    from source
    {{ json_list_items('source.field_value_options', 'option_item') }}
),

final as (
    select
        {{ dbt_utils.generate_surrogate_key(['field_id', 'option_id_text']) }} as field_option_id,
        field_id,
        {{ parse_integer('option_id_text') }} as option_id,
        field_key,
        option_label
    from options
)

select * from final
